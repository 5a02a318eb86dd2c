#!/usr/bin/env python3
"""Writes Fashion-MNIST (the dataset-fashion-mnist package's IDX files) as a folder of NPY
shards, OUT/x_train-KKKKK.npy (uint8, N x 28 x 28) + OUT/y_train-KKKKK.npy (uint8 labels) and
OUT/x_test-00000.npy + OUT/y_test-00000.npy, for the streaming benchmark. NPY written here (no
NumPy needed).

Usage: bench/fashion_mnist_npy_shards.py OUT [--shards K]   (default: 6 training shards)
"""
import argparse
import os

from fashion_mnist_png import find, idx


def npy(shape, payload):
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in shape)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # data 64-byte aligned, as NumPy pads
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shards", type=int, default=6)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for split, prefix, shards in (("train", "train", args.shards), ("test", "t10k", 1)):
        (count, h, w), pixels = idx(find(f"{prefix}-images-idx3-ubyte"))
        _, labels = idx(find(f"{prefix}-labels-idx1-ubyte"))
        for k in range(shards):
            first, last = count * k // shards, count * (k + 1) // shards
            with open(os.path.join(args.out, f"x_{split}-{k:05}.npy"), "wb") as f:
                f.write(npy((last - first, h, w), pixels[first * h * w:last * h * w]))
            with open(os.path.join(args.out, f"y_{split}-{k:05}.npy"), "wb") as f:
                f.write(npy((last - first,), labels[first:last]))


if __name__ == "__main__":
    main()
