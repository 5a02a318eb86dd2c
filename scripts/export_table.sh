#!/usr/bin/env bash
# Exported models checked by other runtimes on the Fashion-MNIST test set: the table in
# docs/export.md. For each model — the zoo models trained with their default recipes (trained
# here when RUNS/<model>/model.ckpt is missing), post-training int8 (percentile calibration) and
# one epoch of int8 QAT; and the imported torchvision models of scripts/imported_models.sh when
# RUNS/imported/<model>/ holds their .qfm files — every .qfm is exported to ONNX and run by
# onnxruntime-node on all 10,000 test images, and to TFLite and run by Arm NN on the first
# ARMNN_LIMIT images (float; Arm NN 20.08 cannot run per-channel int8 weights, so int8 files get
# its parser only). Writes RUNS/export/results.jsonl and prints a Markdown table.
# Usage: scripts/export_table.sh [RUNS_DIR]   (env: ZOO, IMPORTED: model lists; ARMNN_LIMIT=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-runs}"
zoo="${ZOO:-mlp lenet5 mobilenet resnet}"
imported="${IMPORTED:-mobilenet_v2 resnet18 shufflenet_v2_x0_5 squeezenet1_1}"
limit="${ARMNN_LIMIT:-1000}"
scripts/setup.sh >/dev/null
q=build/qforge
out="$runs/export"
mkdir -p "$out"
: >"$out/results.jsonl"
check() {  # MODEL.qfm EXPORTED [flags]: one JSON line, or the runtime's refusal
  local r
  if r=$(/usr/bin/python3 tests/export/check_export.py --qforge "$q" "$@" 2>&1 | tail -1) && [[ $r == "{"* ]]; then
    echo "$r"
  else
    /usr/bin/python3 -c 'import json,sys; print(json.dumps({"exported": sys.argv[1], "error": sys.argv[2]}))' "$2" "$r"
  fi
}
for m in $zoo; do
  d="$runs/$m"
  mkdir -p "$d"
  [ -f "$d/model.ckpt" ] || $q train --model "$m" --out "$d/model.ckpt" >/dev/null
  [ -f "$d/int8-qat.ckpt" ] || $q train --init "$d/model.ckpt" --qat --epochs 1 --lr 1e-4 --out "$d/int8-qat.ckpt" >/dev/null
  $q quantize "$d/model.ckpt" --mode float --out "$d/float.qfm" >/dev/null
  $q quantize "$d/model.ckpt" --mode int8 --calib-method percentile --out "$d/int8-ptq.qfm" >/dev/null
  $q convert "$d/int8-qat.ckpt" --out "$d/int8-qat.qfm" >/dev/null
done
for m in $zoo $imported; do
  d="$runs/$m"
  [ -d "$d" ] || d="$runs/imported/$m"
  for mode in float int8-ptq int8-qat; do
    f="$d/$mode.qfm"
    [ -f "$f" ] || continue
    echo "== $m $mode" >&2
    $q export "$f" --format onnx --out "$out/$m-$mode.onnx" >/dev/null
    $q export "$f" --format tflite --out "$out/$m-$mode.tflite" >/dev/null
    onnx=$(check "$f" "$out/$m-$mode.onnx")
    if [ "$mode" = float ]; then
      tflite=$(check "$f" "$out/$m-$mode.tflite" --limit "$limit")
    elif /usr/bin/python3 tests/export/armnn_run.py "$out/$m-$mode.tflite" --parse >/dev/null 2>&1; then
      tflite='{"parsed": true}'
    else
      tflite='{"parsed": false}'
    fi
    /usr/bin/python3 -c 'import json,sys; print(json.dumps({"model": sys.argv[1], "mode": sys.argv[2], "onnx": json.loads(sys.argv[3]), "tflite": json.loads(sys.argv[4])}))' \
      "$m" "$mode" "$onnx" "$tflite" >>"$out/results.jsonl"
  done
done
/usr/bin/python3 - "$out/results.jsonl" <<'PY'
import json, sys
print("| model | file | qforge accuracy | ONNX Runtime accuracy | top-1 agreement | max rel. diff | Arm NN (TFLite) |")
print("|---|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    o, t = r["onnx"], r["tflite"]
    if "error" in o:
        print(f"| {r['model']} | {r['mode']} | | {o['error']} | | | |")
        continue
    if "agreement" in t:
        arm = f"{t['samples']} images: agreement {t['agreement']:.4f}, max rel. diff {t['max_relative_diff']:.1e}"
    elif "error" in t:
        arm = t["error"]
    else:
        arm = "parsed; not run (per-channel int8)" if t.get("parsed") else "parser refuses"
    print(f"| {r['model']} | {r['mode']} | {100 * o['accuracy_qforge']:.2f} | {100 * o['accuracy_exported']:.2f} | "
          f"{100 * o['agreement']:.2f}% | {o['max_relative_diff']:.1e} | {arm} |")
PY
