#!/usr/bin/env bash
# Deep Compression on Fashion-MNIST, each stage measured through the runtime: the tables in
# docs/compression.md. From RUNS/<model>/model.ckpt (trained with the zoo recipe if missing):
# prune (gradual magnitude pruning while fine-tuning), cluster the pruned weights (trained
# weight sharing, zeros kept), quantize to int8 (PTQ, percentile calibration), code (codebook +
# sparse indices, packed, then Huffman). Prints one markdown table per model: file bytes,
# ratio to the float32 .qfm and test accuracy of each stage.
# Usage: scripts/deep_compression.sh [RUNS_DIR [OUT_DIR [MODEL...]]]   (models: mlp lenet5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
out=${2:-runs/deep-compression}
shift 2 || shift $# || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mlp lenet5)
q=build/qforge
sgd="--optimizer sgd --momentum 0.9 --nesterov --schedule cosine"
calib="--calib-method percentile"

recipe() {  # pruning and clustering flags per model
  case $1 in
    mlp) prune=(--epochs 30 --optimizer adam --lr 2e-4 --schedule cosine --prune 0.935
                --prune-layer dense1=0.94 --prune-layer dense2=0.88 --prune-layer dense3=0.65)
         cluster=(--epochs 3 --optimizer adam --lr 1e-4 --schedule cosine --cluster 32) ;;
    lenet5) prune=(--epochs 60 $sgd --lr 0.02 --augment-crop 2 --prune-end 28000 --prune 0.94
                   --prune-layer conv1=0.5 --prune-layer conv2=0.8 --prune-layer dense1=0.975 --prune-layer dense2=0.7)
            cluster=(--epochs 10 $sgd --lr 0.005 --augment-crop 2 --cluster 16) ;;
    *) echo "no Deep Compression recipe for $1" >&2; exit 2 ;;
  esac
}

row() {  # stage, file
  local bytes acc
  bytes=$(stat -c %s "$2")
  acc=$($q eval "$2" | sed -E 's/.*accuracy ([0-9.]+).*/\1/')
  awk -v s="$1" -v b="$bytes" -v f="$float_bytes" -v a="$acc" 'BEGIN { printf "| %s | %d | %.1fx | %s |\n", s, b, f / b, a }'
}

for m in "${models[@]}"; do
  recipe "$m"
  d="$out/$m"
  mkdir -p "$d"
  [ -f "$runs/$m/model.ckpt" ] || $q train --model "$m" --out "$runs/$m/model.ckpt"
  $q train --model "$m" --init "$runs/$m/model.ckpt" "${prune[@]}" --out "$d/pruned/model.ckpt" --json > "$d/pruned.json"
  $q train --model "$m" --init "$d/pruned/model.ckpt" "${cluster[@]}" --out "$d/clustered/model.ckpt" --json > "$d/clustered.json"
  $q quantize "$runs/$m/model.ckpt" --mode float --out "$d/float.qfm" > /dev/null
  $q quantize "$runs/$m/model.ckpt" --mode int8 $calib --out "$d/int8.qfm" > /dev/null
  $q quantize "$d/pruned/model.ckpt" --mode int8 $calib --out "$d/pruned-int8.qfm" > /dev/null
  $q compress "$d/pruned-int8.qfm" --no-huffman --out "$d/pruned-packed.qfm" > /dev/null
  $q compress "$d/pruned-int8.qfm" --out "$d/pruned-coded.qfm" > /dev/null
  $q quantize "$d/clustered/model.ckpt" --mode int8 $calib --out "$d/clustered-int8.qfm" > /dev/null
  $q compress "$d/clustered-int8.qfm" --no-huffman --out "$d/clustered-packed.qfm" > /dev/null
  $q compress "$d/clustered-int8.qfm" --out "$d/coded.qfm" --json > "$d/coded.json"
  float_bytes=$(stat -c %s "$d/float.qfm")
  sparsity=$(tail -1 "$d/pruned.json" | sed -E 's/.*"sparsity":([0-9.]+).*/\1/' | awk '{ printf "%.1f%%", 100 * $1 }')
  echo "$m"
  echo
  echo "| stage | bytes | smaller than float32 | accuracy |"
  echo "|---|---|---|---|"
  row "float32 .qfm" "$d/float.qfm"
  row "int8 (PTQ)" "$d/int8.qfm"
  row "pruned ($sparsity), int8, sparse indices packed" "$d/pruned-packed.qfm"
  row "pruned, int8, Huffman-coded" "$d/pruned-coded.qfm"
  row "pruned + clustered, int8, packed" "$d/clustered-packed.qfm"
  row "pruned + clustered, int8, Huffman-coded" "$d/coded.qfm"
  echo
done
