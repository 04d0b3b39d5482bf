#!/usr/bin/env bash
# Store benchmark of issue 3, Vigil and ClickHouse side by side in one run:
# builds store_bench (release preset) if needed, installs the npm package chdb into
# bench/chdb/node_modules on first use, replays the corpus into Vigil's store while
# exporting the same normalized rows, loads those rows into chdb's MergeTree, runs
# the same queries there, and prints one comparison table.
#
#   bench/run_store_bench.sh [--events N] [--work DIR] [--keep] [any other store_bench flag]
#
# --work DIR holds the store data, the exported rows and chdb's data (default: a
# folder under $TMPDIR); a 10M-event run needs about 25 GB there for a while.
# Results (JSON of both sides) are left in DIR/results-*.json.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${TMPDIR:-/tmp}/vigil-store-bench"
keep=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work="$2"; shift 2 ;;
    --keep) keep=1; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

corpus="$repo/../shared/corpus"
for a in "${args[@]}"; do [ "${prev:-}" = "--corpus" ] && corpus="$a"; prev="$a"; done
if [ ! -d "$corpus" ]; then
  echo "run_store_bench: corpus folder not found: $corpus (it lives beside the repository as ../shared/corpus; pass --corpus DIR)" >&2
  exit 1
fi
command -v unzip >/dev/null || { echo "run_store_bench: needs unzip (apt-get install unzip) for the OTRF datasets" >&2; exit 1; }
command -v node >/dev/null || { echo "run_store_bench: needs node and npm for the ClickHouse side (chdb)" >&2; exit 1; }

# Build (one job per core; the release preset).
if [ ! -f "$repo/build/release/build.ninja" ]; then
  cmake --preset release -DVIGIL_BENCH=ON -S "$repo" >/dev/null
fi
cmake --build "$repo/build/release" --target store_bench -j "$(nproc)"

# chdb: installed on demand from the npm registry (the engine ships inside the package).
if [ ! -d "$repo/bench/chdb/node_modules/chdb" ]; then
  (cd "$repo/bench/chdb" && npm install --no-audit --no-fund)
fi

mkdir -p "$work"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
rows="$work/rows.ndjson.zst"  # zstd frames: ClickHouse reads them as one stream
vigil_json="$work/results-$stamp-vigil.json"
chdb_json="$work/results-$stamp-chdb.json"

echo "== Vigil: store_bench ${args[*]:-}" >&2
start=$(date +%s)
/usr/bin/time -v -o "$work/time-vigil.txt" \
  "$repo/build/release/bench/store_bench" --data "$work/vigil" --export-ndjson "$rows" --dump "$work/vigil-results.txt" --json "${args[@]}" > "$vigil_json"
token="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).needle_token)' "$vigil_json")"
runs="$(node -e 'const a=process.argv.slice(1);const i=a.indexOf("--runs");console.log(i>=0?a[i+1]:5)' -- "${args[@]}")"

echo "== ClickHouse (chdb) on the same rows" >&2
/usr/bin/time -v -o "$work/time-chdb.txt" \
  node "$repo/bench/chdb/run.mjs" --rows "$rows" --needle "$token" --data "$work/chdb" --runs "$runs" --json "$chdb_json"
[ "$keep" = 1 ] || rm -f "$rows"
end=$(date +%s)

node "$repo/bench/chdb/compare.mjs" "$vigil_json" "$chdb_json" "$work/time-vigil.txt" "$work/time-chdb.txt" $((end - start))
