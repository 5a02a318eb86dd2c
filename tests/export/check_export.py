#!/usr/bin/env python3
"""Checks an exported model against the qforge runtime on a data set's test split.

qforge runs the .qfm over the test images (`qforge run --data`, which also writes the inputs it
fed); another runtime runs the exported file on the same inputs: onnxruntime-node for .onnx,
Arm NN's TFLite parser on its CPU reference backend for .tflite, and qforge itself for a .qfm
(a model re-imported from an export). Prints one JSON object: samples, the largest output
difference relative to the largest qforge output and, for classifiers, top-1 agreement and both
accuracies. Exits 1 if --min-agreement, --max-accuracy-drop or --max-relative-diff is not met.

usage: check_export.py --qforge BIN MODEL.qfm EXPORTED [--data SPEC] [--data-dir DIR] [--limit N]
                       [--ort-node-modules DIR] [--min-agreement F] [--max-accuracy-drop F]
                       [--max-relative-diff F]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def run_onnx(path, x, work, node_modules):
    np.save(os.path.join(work, "x.npy"), x)
    env = dict(os.environ, NODE_PATH=node_modules)
    subprocess.run(["node", os.path.join(HERE, "..", "onnx", "ort_infer.js"), path, os.path.join(work, "x.npy"),
                    os.path.join(work, "y.npy"), "--batch", "100"], check=True, env=env)
    return np.load(os.path.join(work, "y.npy"))


def run_tflite(path, x, work):
    np.save(os.path.join(work, "x.npy"), x)
    r = subprocess.run([sys.executable, os.path.join(HERE, "armnn_run.py"), path, os.path.join(work, "x.npy"),
                        os.path.join(work, "y.npy")], capture_output=True, text=True)
    if r.returncode != 0:
        lines = [line for line in r.stderr.splitlines() if line.strip() and "Skipped" not in line]
        how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit {r.returncode}"
        raise SystemExit(f"check_export: Arm NN cannot run {path} ({how}): {lines[-1] if lines else ''}")
    return np.load(os.path.join(work, "y.npy"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("exported")
    p.add_argument("--qforge", required=True)
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--data-dir")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--ort-node-modules", default=os.path.join(HERE, "..", "..", "build", "onnxruntime-node", "node_modules"))
    p.add_argument("--min-agreement", type=float, default=0.0)
    p.add_argument("--max-accuracy-drop", type=float, default=1.0)
    p.add_argument("--max-relative-diff", type=float, default=float("inf"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = ["--data", a.data] + (["--data-dir", a.data_dir] if a.data_dir else [])
        data += ["--limit", str(a.limit)] if a.limit else []

        def run_qforge(model, out):
            cmd = [a.qforge, "run", model, *data, "--out", out, "--json"]
            described = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            arrays = np.load(out)
            names = [o["name"] for o in described["outputs"]]
            return arrays[names[0]], arrays[names[1]], arrays["label"]

        x, want, labels = run_qforge(a.model, os.path.join(work, "ref.npz"))
        onnx = a.exported.endswith(".onnx")
        if a.exported.endswith(".qfm"):
            got = run_qforge(a.exported, os.path.join(work, "again.npz"))[1]
        elif a.exported.endswith(".tflite"):
            got = run_tflite(a.exported, x, work)
        else:
            if x.ndim == 4:
                x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # the ONNX graph is NCHW
            got = run_onnx(a.exported, x, work, a.ort_node_modules)
    if got.ndim == 4 and onnx:
        got = got.transpose(0, 2, 3, 1)  # NCHW -> the runtime's NHWC
    if got.shape != want.shape:
        raise SystemExit(f"check_export: output shape {got.shape} differs from qforge's {want.shape}")
    w, g = want.astype(np.float64), got.astype(np.float64)
    result = {"model": a.model, "exported": a.exported, "samples": int(len(labels)),
              "max_relative_diff": float(np.abs(w - g).max() / max(np.abs(w).max(), 1e-30))}
    ok = result["max_relative_diff"] <= a.max_relative_diff
    if w.ndim == 2:  # a classifier: top-1 agreement and accuracies
        top_w, top_g = w.argmax(axis=1), g.argmax(axis=1)
        result.update(agreement=float((top_w == top_g).mean()), accuracy_qforge=float((top_w == labels).mean()),
                      accuracy_exported=float((top_g == labels).mean()))
        ok = ok and (result["agreement"] >= a.min_agreement
                     and result["accuracy_qforge"] - result["accuracy_exported"] <= a.max_accuracy_drop)
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
