#!/usr/bin/env bash
# The main job on Fashion-MNIST: set up, train lenet5 with its default recipe, evaluate the
# checkpoint. Usage: scripts/main_job.sh [extra train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/qforge train --model lenet5 --out runs/lenet5 "$@"
build/qforge eval runs/lenet5/model.ckpt
