#!/usr/bin/env bash
# Makes the ONNX importer's test set: exports the torchvision models and the small test models
# (make_models.py, make_small_models.py), then runs every model that has a seeded input through
# onnxruntime-node, the independent reference, writing NAME.ort.OUTPUT.npy beside it.
# Usage: make_reference.sh OUT_DIR ORT_NODE_MODULES
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
export NODE_PATH="$2"
if [ ! -d "$NODE_PATH/onnxruntime-node" ]; then
  echo "make_reference: onnxruntime-node is not in $NODE_PATH; run scripts/setup.sh" >&2
  exit 1
fi
/usr/bin/python3 "$here/make_models.py" "$out"
/usr/bin/python3 "$here/make_small_models.py" "$out"
for input in "$out"/*.input.npy; do
  stem="${input%.input.npy}"
  node "$here/ort_run.js" "$stem.onnx" "$stem.ort." "$input"
done
echo "make_reference: onnxruntime-node ran $(ls "$out"/*.input.npy | wc -l) models"
