#!/usr/bin/python3
"""The Markdown table of scripts/imported_models.sh: per model, the accuracy of the float
checkpoint, the int8 PTQ and QAT files (runtime), the float and int8 file sizes, and int8 speed
(images/s at batch 64, one thread) relative to the float checkpoint (oneDNN) and to the float .qfm.
Usage: imported_models_table.py OUT_DIR MODEL..."""
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    out, models = sys.argv[1], sys.argv[2:]
    print("| model | epochs | float | int8 PTQ | PTQ - float | int8 QAT (1 epoch) | float .qfm | int8 .qfm "
          "| int8 PTQ images/s | vs float ckpt (oneDNN) | vs float .qfm |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for m in models:
        d = os.path.join(out, m)
        train = load(os.path.join(d, "train.json"))
        acc = {os.path.basename(r["file"]): r for r in load(os.path.join(d, "eval.json"))["models"]}
        speed = {os.path.basename(r["model"]): r for r in load(os.path.join(d, "bench.json"))["results"]}
        fl, ptq, qat = (acc[k]["accuracy"] for k in ("float.ckpt", "int8-ptq.qfm", "int8-qat.qfm"))
        ips = {k: speed[k]["samples_per_second"] for k in speed}
        print(f"| {m} | {train['epochs']} | {100 * fl:.2f} | {100 * ptq:.2f} | {100 * (ptq - fl):+.2f} | "
              f"{100 * qat:.2f} | {acc['float.qfm']['model_bytes'] / 1e6:.2f} MB | "
              f"{acc['int8-ptq.qfm']['model_bytes'] / 1e6:.2f} MB | {ips['int8-ptq.qfm']:.0f} | "
              f"{ips['int8-ptq.qfm'] / ips['float.ckpt']:.2f}x | {ips['int8-ptq.qfm'] / ips['float.qfm']:.2f}x |")


if __name__ == "__main__":
    main()
