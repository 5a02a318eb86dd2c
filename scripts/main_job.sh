#!/usr/bin/env bash
# The main job on Fashion-MNIST: set up, train lenet5 with its default recipe, quantize it
# after training (the float baseline file and an int8 file calibrated on training images),
# fine-tune it for one epoch with int8 quantization-aware training, evaluate the checkpoint and
# the three .qfm files — run by qforge's runtime — in one table, and time float inference (the
# checkpoint on oneDNN, the float .qfm on the runtime's float kernels) against the int8
# files on the runtime's SIMD kernels at batch 1 and 64.
# Usage: scripts/main_job.sh [extra train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
run=runs/lenet5
build/qforge train --model lenet5 --out "$run/model.ckpt" "$@"
build/qforge quantize "$run/model.ckpt" --mode float --out "$run/float.qfm"
build/qforge quantize "$run/model.ckpt" --mode int8 --calib-method percentile --out "$run/int8-ptq.qfm"
build/qforge train --init "$run/model.ckpt" --qat --epochs 1 --lr 1e-4 --out "$run/int8-qat.ckpt"
build/qforge eval "$run/model.ckpt" "$run/float.qfm" "$run/int8-ptq.qfm" "$run/int8-qat.qfm"
for batch in 1 64; do
  build/qforge bench "$run/model.ckpt" "$run/float.qfm" "$run/int8-ptq.qfm" "$run/int8-qat.qfm" --batch "$batch" \
    --threads 1 --min-seconds 0.5
done
