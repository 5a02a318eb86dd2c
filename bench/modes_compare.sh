#!/usr/bin/env bash
# Every mode of each zoo model on the runtime, its optimized kernels against its reference
# kernels, beside the float checkpoint on oneDNN: for each model directory (holding model.ckpt
# and MODE.qfm files) and batch, one `qforge bench --isa ref,ISA` run interleaves all of them
# (1 thread). Prints a Markdown table: milliseconds per batch, the optimized kernels' speed-up
# over the reference, and the optimized model's speed relative to the checkpoint on oneDNN.
# Usage: bench/modes_compare.sh RUN_DIR...   (env: ISA=avx512vbmi, MODES="float float16 dynamic
# int16x8 int8", BATCHES="1 64", SECONDS_PER_MODEL=2)
set -euo pipefail
cd "$(dirname "$0")/.."
isa=${ISA:-avx512vbmi}
modes=${MODES:-float float16 dynamic int16x8 int8}
echo "| model | batch | mode | reference ms | optimized ms | optimized / reference | optimized vs oneDNN float |"
echo "|---|---|---|---|---|---|---|"
for dir in "$@"; do
  for batch in ${BATCHES:-1 64}; do
    files=()
    for mode in $modes; do files+=("$dir/$mode.qfm"); done
    build/qforge bench "$dir/model.ckpt" "${files[@]}" --isa "ref,$isa" --batch "$batch" --threads 1 \
      --min-seconds "${SECONDS_PER_MODEL:-2}" --json |
      python3 -c '
import json, sys
name, batch = sys.argv[1].rstrip("/").rsplit("/", 1)[-1], sys.argv[2]
rows = json.load(sys.stdin)["results"]
onednn = rows[0]["median_ms"]
for i in range(1, len(rows), 2):
    ref, opt = rows[i]["median_ms"], rows[i + 1]["median_ms"]
    mode = rows[i]["model"].rsplit("/", 1)[1][:-4]
    print("| %s | %s | %s | %.3f | %.3f | %.1fx | %.2fx |" % (name, batch, mode, ref, opt, ref / opt, onednn / opt))
' "$dir" "$batch"
  done
done
