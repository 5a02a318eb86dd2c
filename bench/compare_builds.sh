#!/usr/bin/env bash
# Two qforge builds timed on the same .qfm models, their runs interleaved (A, B, A, B, ...) so
# that a shared machine's load falls on both alike: for checking that a change leaves the
# runtime's speed where it was.
#
#   bench/compare_builds.sh QFORGE_A QFORGE_B ROUNDS MODEL.qfm... -- [qforge bench flags]
#
# Each round runs `qforge bench MODEL --json FLAGS` once with each build. Prints, per model and
# thread count, the median and the best over the rounds of each build's median milliseconds and
# their ratios B / A (below 1: B is faster); on a shared machine the best is the steadier one.
set -euo pipefail

if [[ $# -lt 5 ]]; then
  echo "usage: $0 QFORGE_A QFORGE_B ROUNDS MODEL.qfm... -- [qforge bench flags]" >&2
  exit 2
fi
a=$1 b=$2 rounds=$3
shift 3
models=()
while [[ $# -gt 0 && $1 != -- ]]; do models+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
for q in "$a" "$b"; do [[ -x $q ]] || { echo "error: $q is not an executable" >&2; exit 2; }; done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS must be a positive integer, not '$rounds'" >&2; exit 2; }
[[ ${#models[@]} -gt 0 ]] || { echo "error: no models given" >&2; exit 2; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for model in "${models[@]}"; do
  for ((r = 0; r < rounds; ++r)); do
    for build in A B; do
      q=$a; [[ $build == B ]] && q=$b
      "$q" bench "$model" --json "$@" 2>/dev/null |
        python3 -c 'import json, sys
for x in json.load(sys.stdin)["results"]:
    print(sys.argv[1], sys.argv[2], x["threads"], x["median_ms"])' "$build" "$model" >> "$results"
    done
  done
done
python3 - "$results" <<'EOF'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    build, model, threads, ms = line.split()
    times[(model, int(threads), build)].append(float(ms))
print(f"{'model':40} {'threads':>7} {'A median':>9} {'B median':>9} {'B / A':>6} {'A best':>9} {'B best':>9} {'B / A':>6}")
for model, threads in sorted({(m, t) for m, t, _ in times}):
    a, b = times[(model, threads, "A")], times[(model, threads, "B")]
    am, bm, ab, bb = statistics.median(a), statistics.median(b), min(a), min(b)
    print(f"{model:40} {threads:>7} {am:9.4f} {bm:9.4f} {bm / am:6.3f} {ab:9.4f} {bb:9.4f} {bb / ab:6.3f}")
EOF
