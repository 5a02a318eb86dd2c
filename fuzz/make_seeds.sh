#!/usr/bin/env bash
# Makes the seed corpora of the fuzz targets from valid files, one folder per target:
# data files (fuzz/make_seed_files.py), models that qforge itself writes — lenet5 trained briefly
# (float and QAT checkpoints; int8, int16x8, dynamic, float16, float and QAT-converted .qfm;
# coded .qfm, dense and pruned; TFLite and ONNX exports) and the small ONNX test models with
# their imports — and the command lines of every command's --help examples.
# Usage: fuzz/make_seeds.sh BUILD_DIR CORPUS_DIR   (BUILD_DIR: a Release build with qforge)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
q="$(cd "$1" && pwd)/qforge"
corpus="$2"
py=/usr/bin/python3  # Debian's, with numpy, Pillow and PyTorch
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in qfm checkpoint npy npz idx image png_direct onnx tflite cli_flags; do
  mkdir -p "$corpus/$target"
done
quiet() { "$@" >/dev/null 2>&1; }

"$py" "$root/fuzz/make_seed_files.py" "$corpus" "$work/small.npz"
data=(--data "$work/small.npz")

# Checkpoints: float, QAT, pruned.
quiet "$q" train --model lenet5 "${data[@]}" --epochs 1 --out "$work/lenet5.ckpt"
quiet "$q" train --model lenet5 "${data[@]}" --epochs 1 --qat --out "$work/lenet5_qat.ckpt"
quiet "$q" train --init "$work/lenet5.ckpt" "${data[@]}" --epochs 1 --prune 0.8 --out "$work/lenet5_pruned.ckpt"
cp "$work"/lenet5*.ckpt "$corpus/checkpoint/"

# The small ONNX test models (some deliberately broken), the importable ones as checkpoints.
quiet "$py" "$root/tests/onnx/make_small_models.py" "$work/onnx"
for model in "$work"/onnx/*.onnx; do
  name="$(basename "$model" .onnx)"
  [ "$(stat -c %s "$model")" -le 262144 ] && cp "$model" "$corpus/onnx/"
  quiet "$q" import "$model" --out "$work/$name.ckpt" && cp "$work/$name.ckpt" "$corpus/checkpoint/" || true
done
quiet "$q" export "$work/lenet5.ckpt" --format onnx --out "$corpus/onnx/lenet5.onnx"

# Runtime models in every mode (the imported ones calibrated on their seeded input), coded
# forms, and their TFLite exports.
quantize_all() {  # CHECKPOINT DATA
  local name mode
  name="$(basename "$1" .ckpt)"
  for mode in int8 int16x8 dynamic float16 float; do
    quiet "$q" quantize "$1" --mode "$mode" --data "$2" --calib-samples 64 --out "$corpus/qfm/$name-$mode.qfm"
  done
  quiet "$q" quantize "$1" --mode int8 --int8-io --data "$2" --calib-samples 64 --out "$corpus/qfm/$name-int8-io.qfm"
}
quantize_all "$work/lenet5.ckpt" "$work/small.npz"
quantize_all "$work/lenet5_pruned.ckpt" "$work/small.npz"
for ckpt in "$work"/*.ckpt; do
  input="$work/onnx/$(basename "$ckpt" .ckpt).input.npy"
  [ -f "$input" ] && quantize_all "$ckpt" "$input"
done
quiet "$q" convert "$work/lenet5_qat.ckpt" --out "$corpus/qfm/lenet5-qat.qfm"
quiet "$q" compress "$corpus/qfm/lenet5_pruned-int8.qfm" --out "$corpus/qfm/lenet5_pruned-int8-coded.qfm"
quiet "$q" compress "$corpus/qfm/lenet5-int8.qfm" --no-sparse --out "$corpus/qfm/lenet5-int8-coded-dense.qfm"
quiet "$q" compress "$corpus/qfm/lenet5-int8.qfm" --no-huffman --out "$corpus/qfm/lenet5-int8-coded-packed.qfm"
for model in "$corpus"/qfm/*-int8.qfm "$corpus"/qfm/*-int16x8.qfm "$corpus"/qfm/*-float.qfm; do
  quiet "$q" export "$model" --format tflite --out "$corpus/tflite/$(basename "$model" .qfm).tflite" || true  # not every operator has a TFLite form
done

# Command lines: each command's --help examples, arguments separated by NUL bytes.
n=0
for command in train eval models quantize convert inspect run bench compress import export debug; do
  while IFS= read -r line; do
    n=$((n + 1))
    read -r -a args <<<"${line#*qforge }"
    printf '%s\0' "${args[@]}" >"$corpus/cli_flags/example-$n"
  done < <("$q" "$command" --help | grep -E '^ +qforge ')
done

for target in "$corpus"/*/; do
  echo "seeds: $(basename "$target") $(find "$target" -type f | wc -l) files"
done
