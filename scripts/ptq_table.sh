#!/usr/bin/env bash
# Post-training quantization of the zoo models with every calibration method (with and without
# bias correction) and every other mode, evaluated through the runtime: the table in
# docs/quantization.md. Trains a model first (default recipe) when RUNS/<model>/model.ckpt is
# missing. Usage: scripts/ptq_table.sh [RUNS_DIR [MODEL...]]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mlp lenet5 mobilenet resnet)
for m in "${models[@]}"; do
  dir="$runs/$m"
  [ -f "$dir/model.ckpt" ] || build/qforge train --model "$m" --out "$dir/model.ckpt"
  files=("$dir/model.ckpt")
  for mode in float float16 dynamic int16x8; do
    build/qforge quantize "$dir/model.ckpt" --mode "$mode" --out "$dir/$mode.qfm" >/dev/null
    files+=("$dir/$mode.qfm")
  done
  for method in minmax percentile mse kl; do
    build/qforge quantize "$dir/model.ckpt" --mode int8 --calib-method "$method" --out "$dir/int8-$method.qfm" >/dev/null
    build/qforge quantize "$dir/model.ckpt" --mode int8 --calib-method "$method" --bias-correction \
      --out "$dir/int8-$method-bc.qfm" >/dev/null
    files+=("$dir/int8-$method.qfm" "$dir/int8-$method-bc.qfm")
  done
  build/qforge eval "${files[@]}"
  echo
done
