#!/usr/bin/env bash
# Fuzz every harness in fuzz/ for N seconds each (default 600), keeping the corpus in var/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
.venv/bin/python fuzz/seed.py var/fuzz/seeds
for h in fuzz/fuzz_*.py; do
  name=$(basename "$h" .py); name=${name#fuzz_}
  mkdir -p "var/fuzz/$name" "var/fuzz/crashes"
  seeds="var/fuzz/seeds/$name"; [ -d "$seeds" ] || seeds=""
  .venv/bin/python "$h" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="var/fuzz/crashes/" "var/fuzz/$name" $seeds
done
