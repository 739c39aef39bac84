#!/usr/bin/env bash
# Times cxm's statistics kernel side by side with the Python packages that produced its golden
# values, on the same inputs, and prints a Markdown table with the speed-up of cxm.
#
#   bash bench/stats.sh [SHARED_DIR] [REPEAT]
#
# SHARED_DIR defaults to ../shared. The Python peers are installed from PyPI into a venv under
# /tmp (the golden files' own requirements), once.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="$(realpath "${1:-../shared}")"
repeat="${2:-5}"
venv="${CXM_STATS_VENV:-/tmp/cxm-statsenv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$shared/golden/reference/requirements-statsenv.txt"
fi
cargo build --release -q

echo "peers (Python) ..." >&2
"$venv/bin/python" bench/stats_peers.py "$shared" "$work" "$repeat" > "$work/peers.txt"
echo "cxm ..." >&2
target/release/cxm bench-stats --repeat "$repeat" \
  --cdnow "$shared/golden/cdnow_summary.csv" \
  --customers "$work/customers_1m.csv" \
  --airline "$shared/data/survey_airline_passenger_satisfaction/airline_passenger_satisfaction.csv" \
  --raking "$work/raking_1m.csv" > "$work/cxm.txt"

python3 - "$work/peers.txt" "$work/cxm.txt" <<'PY'
import sys
def read(path):
    return {line.split()[0]: (float(line.split()[1]), " ".join(line.split()[2:])) for line in open(path) if line.strip()}
peers, ours = read(sys.argv[1]), read(sys.argv[2])
names = {"bgnbd_gammagamma_fit": ("BG/NBD + Gamma-Gamma fit, CDNOW", "lifetimes 0.11.3"),
         "bgnbd_gammagamma_fit_synthetic": ("BG/NBD + Gamma-Gamma fit, synthetic customers", "lifetimes 0.11.3"),
         "bgnbd_gammagamma_fit_synthetic_grouped": ("BG/NBD + Gamma-Gamma fit, synthetic customers", "lifetimes 0.11.3 given grouped histories (weights)"),
         "key_drivers_airline": ("key drivers (r, betas, relative weights, exact Shapley), airline survey", "numpy reference (golden/reference)"),
         "raking": ("raking to 3 margins, tolerance 1e-10", "ipfn 1.4.4")}
print("| task | data | peer | peer (s) | cxm (s) | speed-up |")
print("|---|---|---|---:|---:|---:|")
for task, (label, peer) in names.items():
    p, size = peers[task]
    # cxm always groups identical histories: the grouped peer row compares with the same run.
    c, _ = ours[task.removesuffix("_grouped")]
    print(f"| {label} | {size} | {peer} | {p:.4f} | {c:.4f} | {p / c:.1f}× |")
PY
