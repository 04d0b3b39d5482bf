#!/usr/bin/env bash
# Sigma detection benchmark (issue 5): the whole public Sigma rule set over the
# OTRF Windows datasets (../shared/corpus/otrf-security-datasets, JSON lines inside
# zip files), one thread. Unpacks once into --work, builds the release preset and
# runs bench/detect_bench. Results: bench/RESULTS.md.
#
#   bench/run_detect_bench.sh [--work DIR] [--repeat N]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work=/tmp/vigil-detect-bench
repeat=2
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
corpus="$here/../shared/corpus/otrf-security-datasets"
if [ ! -d "$corpus" ]; then
  echo "run_detect_bench: $corpus not found (needs ../shared/corpus)" >&2
  exit 2
fi
mkdir -p "$work"
events="$work/otrf-windows.ndjson"
if [ ! -s "$events" ]; then
  echo "unpacking the OTRF Windows datasets into $events ..."
  tmp="$events.tmp"
  : > "$tmp"
  find "$corpus/datasets" -path '*windows*' -name '*.zip' | sort | while read -r z; do
    unzip -p "$z" '*.json' >> "$tmp" 2>/dev/null || true
  done
  mv "$tmp" "$events"
fi
echo "events file: $events ($(wc -l < "$events") lines, $(du -h "$events" | cut -f1))"
cmake --preset release >/dev/null
cmake --build build/release --target detect_bench -j "$(nproc)" >/dev/null
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
"$here/build/release/bench/detect_bench" --repeat "$repeat" "$events"
