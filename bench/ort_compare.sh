#!/usr/bin/env bash
# The standing comparison with ONNX Runtime: each .qfm model and its ONNX export (`qforge export`)
# timed in qforge (`qforge bench`) and in onnxruntime-node (bench/ort_bench.js) at batch 1 and 64,
# 1 and 2 threads, interleaved (qforge, ONNX Runtime, qforge, ... for every setting, ROUNDS
# rounds) so that both see the same machine; the median of the rounds' medians is reported.
# Prints a Markdown table: samples/s of each and qforge's speed as a multiple of ONNX Runtime's.
# Usage: bench/ort_compare.sh MODEL.qfm...   (env: ROUNDS=3, SECONDS_PER_RUN=2)
set -euo pipefail
cd "$(dirname "$0")/.."
q=build/qforge
export NODE_PATH=build/onnxruntime-node/node_modules
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| model | batch | threads | qforge samples/s | ONNX Runtime samples/s | qforge / ORT |"
echo "|---|---|---|---|---|---|"
for model in "$@"; do
  onnx="$work/$(basename "$model" .qfm).onnx"
  $q export "$model" --format onnx --out "$onnx" >/dev/null
  for batch in 1 64; do
    for threads in 1 2; do
      : >"$work/q.txt"
      : >"$work/o.txt"
      for _ in $(seq "$rounds"); do
        $q bench "$model" --batch "$batch" --threads "$threads" --min-seconds "$seconds" --json |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["samples_per_second"])' >>"$work/q.txt"
        node bench/ort_bench.js "$onnx" --batch "$batch" --threads "$threads" --seconds "$seconds" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["samples_per_second"])' >>"$work/o.txt"
      done
      python3 - "$model" "$batch" "$threads" "$work/q.txt" "$work/o.txt" <<'PY'
import statistics, sys
model, batch, threads, qf, of = sys.argv[1:6]
q = statistics.median(float(x) for x in open(qf))
o = statistics.median(float(x) for x in open(of))
print(f"| {model} | {batch} | {threads} | {q:.0f} | {o:.0f} | {q / o:.2f}x |")
PY
    done
  done
done
