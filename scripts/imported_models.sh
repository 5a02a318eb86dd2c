#!/usr/bin/env bash
# Bring-your-own-model end to end: torchvision architectures exported untrained to ONNX at
# 32x32 with 10 classes, imported, trained on Fashion-MNIST (upsampled to 32x32, gray replicated
# to RGB), quantized after training (int8 PTQ), fine-tuned for one epoch of int8 QAT, every file
# evaluated by qforge (the .qfm files by its runtime) and timed at batch 64 on one thread. Prints
# a Markdown table (accuracy, file size, int8 speed vs float) and writes it to OUT/summary.md.
# Usage: scripts/imported_models.sh [OUT_DIR]   (env: MODELS="a b ...", EPOCHS=N, LR=base learning rate)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-runs/imported}"
MODELS="${MODELS:-mobilenet_v2 resnet18 shufflenet_v2_x0_5 squeezenet1_1}"
EPOCHS="${EPOCHS:-3}"
LR="${LR:-2e-3}"
scripts/setup.sh
mkdir -p "$OUT/onnx"
# shellcheck disable=SC2086
/usr/bin/python3 tests/onnx/make_models.py --untrained "$OUT/onnx" $MODELS
q=build/qforge
for m in $MODELS; do
  d="$OUT/$m"
  mkdir -p "$d"
  echo "== $m"
  $q import "$OUT/onnx/${m}_32.onnx" --out "$d/untrained.ckpt"
  $q train --init "$d/untrained.ckpt" --input-size 32 --epochs "$EPOCHS" --optimizer adam --lr "$LR" \
    --schedule cosine --batch 64 --out "$d/float.ckpt" --json >"$d/train.json"
  $q quantize "$d/float.ckpt" --mode float --out "$d/float.qfm"
  $q quantize "$d/float.ckpt" --mode int8 --calib-method percentile --out "$d/int8-ptq.qfm"
  $q train --init "$d/float.ckpt" --qat --epochs 1 --optimizer adam --lr 1e-4 --schedule cosine --batch 64 \
    --out "$d/int8-qat.ckpt" --json >"$d/qat.json"
  $q eval "$d/float.ckpt" "$d/float.qfm" "$d/int8-ptq.qfm" "$d/int8-qat.qfm" --json >"$d/eval.json"
  $q bench "$d/float.ckpt" "$d/float.qfm" "$d/int8-ptq.qfm" "$d/int8-qat.qfm" --batch 64 --threads 1 \
    --min-seconds 2 --json >"$d/bench.json"
done
# shellcheck disable=SC2086
/usr/bin/python3 scripts/imported_models_table.py "$OUT" $MODELS | tee "$OUT/summary.md"
