#!/usr/bin/env bash
# Scores cxm's verbatim analytics side by side with SnowNLP (zh) and VADER (en) on the public
# datasets in SHARED_DIR/data, and prints Markdown tables (see BENCHMARKS.md).
#
#   bash bench/text.sh [SHARED_DIR]
#
# The peers are installed from PyPI into a venv under /tmp (CXM_TEXT_VENV), once.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="$(realpath "${1:-../shared}")"
venv="${CXM_TEXT_VENV:-/tmp/cxm-textenv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q snownlp==0.12.3 vaderSentiment==3.3.2
fi
cargo build --release -q
"$venv/bin/python" bench/text_peers.py "$shared" target/release/cxm "$work"
