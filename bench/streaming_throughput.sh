#!/usr/bin/env bash
# Training from an image folder held in memory against the same folder streamed from disk
# (`--stream`): Fashion-MNIST written out as 70,000 PNG files (bench/fashion_mnist_png.py, once),
# or as NPY shards (FOLDER written by bench/fashion_mnist_npy_shards.py), one epoch of MODEL per
# run, interleaved ROUNDS times; images/s and peak resident memory.
# Usage: bench/streaming_throughput.sh [QFORGE] [ROUNDS] [MODEL] [FOLDER]
#        (default: build/qforge 2 lenet5 /var/tmp/fashion-mnist-png)
set -euo pipefail
cd "$(dirname "$0")/.."
QFORGE="${1:-build/qforge}"; ROUNDS="${2:-2}"; MODEL="${3:-lenet5}"; FOLDER="${4:-/var/tmp/fashion-mnist-png}"
[ -d "$FOLDER/train" ] || compgen -G "$FOLDER/x_train*.npy" >/dev/null || bench/fashion_mnist_png.py "$FOLDER"
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
for round in $(seq "$ROUNDS"); do
  for mode in in-memory --stream; do
    flag=""; [ "$mode" = --stream ] && flag=--stream
    /usr/bin/time -f "%M" -o "$OUT/rss" "$QFORGE" train --model "$MODEL" --data "$FOLDER" --epochs 1 --mean 0.286 \
      --std 0.353 $flag --json --out "$OUT/model.ckpt" > "$OUT/json" 2>/dev/null
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print("%-10s %9.0f img/s  peak RSS %6.1f MB  test accuracy %.4f" % (sys.argv[2], j["images_per_second"],
      int(open(sys.argv[3]).read()) / 1024, j["test_accuracy"]))' "$OUT/json" "$mode" "$OUT/rss"
  done
done
