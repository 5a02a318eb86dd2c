#!/usr/bin/env bash
# Fingerprints of every .qfm file qforge writes from a fixed set of checkpoints, for checking that a
# refactoring leaves the model files byte-identical.
#
#   scripts/qfm_fingerprints.sh QFORGE WORKDIR [DATA_DIR]
#
# The first run trains the checkpoints into WORKDIR/ckpt with QFORGE (one short epoch per zoo model:
# float, QAT with two schemes, pruned, then clustered); later runs reuse them, so two binaries (before
# and after a change) are compared on the same checkpoints. Then it writes, with QFORGE, every
# quantize mode and calibration method, convert with and without --int8-io, compress in its
# three codings, and the model a short QAT run from the float checkpoint converts, into
# WORKDIR/qfm-<binary name>, and prints "sha256  file" lines sorted by file.
# DATA_DIR is a folder of Fashion-MNIST IDX files (default: the dataset package's); a subset of
# the training images keeps the run short.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 QFORGE WORKDIR [DATA_DIR]" >&2
  exit 2
fi
qforge=$(realpath "$1")
work=$2
data=${3:-/usr/share/datasets/fashion-mnist}
[[ -x "$qforge" ]] || { echo "error: $1 is not an executable" >&2; exit 2; }
[[ -d "$data" ]] || { echo "error: data folder $data does not exist" >&2; exit 2; }

models=(mlp lenet5 mobilenet resnet)
ckpt=$work/ckpt
out=$work/qfm-$(basename "$qforge")
mkdir -p "$ckpt" "$out" "$work/qat-run"
quiet() { "$@" >/dev/null 2>"$work/last.log" || { cat "$work/last.log" >&2; exit 1; }; }

train() {  # train NAME ARGS...: one checkpoint, once
  local name=$1; shift
  [[ -f "$ckpt/$name.ckpt" ]] && return
  echo "training $name" >&2
  quiet "$qforge" train --data-dir "$data" --epochs 1 --seed 7 --threads 2 --out "$ckpt/$name.ckpt" "$@"
}
for m in "${models[@]}"; do
  train "$m-float" --model "$m"
  train "$m-qat" --init "$ckpt/$m-float.ckpt" --qat --lr 1e-4
  train "$m-qat-nbit" --init "$ckpt/$m-float.ckpt" --qat --scheme nbit --w-bits 4 --a-bits 6 \
    --quantizer lsq --lr 1e-4
  train "$m-pruned" --init "$ckpt/$m-float.ckpt" --prune 0.8 --prune-begin 0 --prune-end 20 --lr 1e-4
  train "$m-sparse" --init "$ckpt/$m-pruned.ckpt" --cluster 16 --lr 1e-4
done

echo "writing models with $qforge" >&2
for m in "${models[@]}"; do
  q() { quiet "$qforge" quantize "$ckpt/$1.ckpt" --data-dir "$data" --calib-samples 300 \
          --out "$out/$2.qfm" "${@:3}"; }
  for method in minmax percentile mse kl; do
    q "$m-float" "$m-int8-$method" --mode int8 --calib-method "$method"
  done
  q "$m-float" "$m-int8-biascorr" --mode int8 --bias-correction
  q "$m-float" "$m-int8-io" --mode int8 --int8-io
  for mode in int16x8 dynamic float16 float; do
    q "$m-float" "$m-$mode" --mode "$mode"
  done
  q "$m-sparse" "$m-sparse-int8" --mode int8
  for variant in qat qat-nbit; do
    quiet "$qforge" convert "$ckpt/$m-$variant.ckpt" --out "$out/$m-$variant-convert.qfm"
    quiet "$qforge" convert "$ckpt/$m-$variant.ckpt" --int8-io --out "$out/$m-$variant-convert-io.qfm"
  done
  # The QAT transform itself: a short QAT run from the float checkpoint with this binary writes
  # its .qfm beside the checkpoint (the checkpoint holds timings, the model file does not).
  quiet "$qforge" train --init "$ckpt/$m-float.ckpt" --qat --lr 1e-4 --data-dir "$data" --epochs 1 --seed 7 \
    --threads 2 --out "$work/qat-run/$m.ckpt"
  mv "$work/qat-run/$m.qfm" "$out/$m-qat-trained.qfm"
  for source in int8-minmax sparse-int8 qat-convert; do
    quiet "$qforge" compress "$out/$m-$source.qfm" --out "$out/$m-$source-coded.qfm"
    quiet "$qforge" compress "$out/$m-$source.qfm" --no-sparse --out "$out/$m-$source-dense-coded.qfm"
    quiet "$qforge" compress "$out/$m-$source.qfm" --no-huffman --out "$out/$m-$source-packed.qfm"
  done
done
(cd "$out" && sha256sum -- *.qfm | sort -k2)
