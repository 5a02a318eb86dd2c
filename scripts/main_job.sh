#!/usr/bin/env bash
# The main job on Fashion-MNIST: set up, train lenet5 with its default recipe, quantize it
# (the float baseline file and the int8 file, calibrated on training images), and evaluate the
# checkpoint and both files — the .qfm files through qforge's runtime — in one table.
# Usage: scripts/main_job.sh [extra train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
run=runs/lenet5
build/qforge train --model lenet5 --out "$run" "$@"
build/qforge quantize "$run/model.ckpt" --mode float --out "$run/float.qfm"
build/qforge quantize "$run/model.ckpt" --mode int8 --calib-method percentile --out "$run/int8.qfm"
build/qforge eval "$run/model.ckpt" "$run/float.qfm" "$run/int8.qfm"
