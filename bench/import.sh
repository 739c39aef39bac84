#!/usr/bin/env bash
# Imports a generated 1,000,000-row generic CSV (one row per response: id, time, region,
# store, channel, NPS, CSAT, comment) with `cxm import` into a fresh SQLite database, and the
# same file with pandas `read_csv` + `to_sql` into SQLite, in the same run; prints rows/s,
# peak memory (max RSS) and the ratio as a Markdown table (see BENCHMARKS.md). Where the
# sqlite3 shell is installed, each run also times SQLite's own CSV loader (`.import` into one
# table without indexes): no program that stores the rows in SQLite writes them faster.
#
#   bash bench/import.sh [ROWS] [REPEAT]
#
# pandas is installed from PyPI into a venv under /tmp (CXM_IMPORT_VENV), once.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
repeat="${2:-3}"
venv="${CXM_IMPORT_VENV:-/tmp/cxm-importenv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pandas" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pandas==3.1.1
fi
cargo build --release -q -p cxm
"$venv/bin/python" - "$work/responses.csv" "$rows" <<'PY'
import csv, random, sys
path, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
regions = ["华东", "华北", "华南", "西南", "东北"]
comments = ["物流很快", "质量很好", "客服态度差", "价格实惠", "", "", "delivery was late", "great value"]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["response_id", "submitted_at", "region", "store", "channel", "推荐意愿", "满意度", "评论"])
    for i in range(rows):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        w.writerow([f"r{i}", f"2025-{month:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}:00",
                    rng.choice(regions), f"S{rng.randrange(200):03d}", rng.choice(["web", "app", "store"]),
                    rng.randrange(11), 1 + rng.randrange(5), rng.choice(comments)])
PY
size=$(du -m "$work/responses.csv" | cut -f1)
echo "| run | tool | rows | seconds | rows/s | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
for run in $(seq 1 "$repeat"); do
  rm -f "$work/cxm.db" "$work/pandas.db" "$work/floor.db"
  /usr/bin/time -f "%e %M" -o "$work/cxm.time" target/release/cxm --database "sqlite://$work/cxm.db" \
    import "$work/responses.csv" --survey bench > "$work/cxm.out" 2>/dev/null
  read -r cxm_s cxm_kb < "$work/cxm.time"
  /usr/bin/time -f "%e %M" -o "$work/pandas.time" "$venv/bin/python" -c "
import sqlite3, sys, pandas as pd
df = pd.read_csv(sys.argv[1])
with sqlite3.connect(sys.argv[2]) as db:
    df.to_sql('responses', db, index=False, chunksize=50000)
" "$work/responses.csv" "$work/pandas.db"
  read -r pd_s pd_kb < "$work/pandas.time"
  awk -v r="$run" -v n="$rows" -v s="$cxm_s" -v kb="$cxm_kb" 'BEGIN { printf "| %d | cxm import | %d | %.1f | %.0f | %.0f |\n", r, n, s, n / s, kb / 1024 }'
  awk -v r="$run" -v n="$rows" -v s="$pd_s" -v kb="$pd_kb" 'BEGIN { printf "| %d | pandas read_csv + to_sql | %d | %.1f | %.0f | %.0f |\n", r, n, s, n / s, kb / 1024 }'
  awk -v a="$pd_s" -v b="$cxm_s" -v r="$run" 'BEGIN { printf "| %d | ratio (pandas time / cxm time) | | | %.2f× | |\n", r, a / b }'
  if command -v sqlite3 >/dev/null; then
    /usr/bin/time -f "%e %M" -o "$work/floor.time" sqlite3 "$work/floor.db" -cmd ".mode csv" \
      ".import $work/responses.csv responses"
    read -r fl_s fl_kb < "$work/floor.time"
    awk -v r="$run" -v n="$rows" -v s="$fl_s" -v kb="$fl_kb" 'BEGIN { printf "| %d | sqlite3 .import (no indexes) | %d | %.1f | %.0f | %.0f |\n", r, n, s, n / s, kb / 1024 }'
    awk -v a="$pd_s" -v b="$fl_s" -v r="$run" 'BEGIN { printf "| %d | ratio (pandas time / sqlite3 .import time) | | | %.2f× | |\n", r, a / b }'
  fi
done
echo
echo "file: $rows rows, ${size} MB; cxm output: $(tail -1 "$work/cxm.out")"
