#!/usr/bin/env python3
"""Writes Fashion-MNIST (the dataset-fashion-mnist package's IDX files) as an image folder of
8-bit gray PNG files, OUT/{train,test}/CLASS/NNNNN.png, for the streaming benchmark and tests.
PNG encoded here with zlib (no imaging library needed).

Usage: bench/fashion_mnist_png.py OUT [--limit N]   (N: first N training and test images)
"""
import argparse
import gzip
import os
import struct
import zlib

SRC = "/usr/share/datasets/fashion-mnist"
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png(width, height, gray):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + gray[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def find(name):
    for suffix in ("", ".gz"):
        if os.path.exists(os.path.join(SRC, name + suffix)):
            return os.path.join(SRC, name + suffix)
    raise SystemExit(f"{name} not found in {SRC} (install dataset-fashion-mnist)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    for split, prefix in (("train", "train"), ("test", "t10k")):
        (count, h, w), pixels = idx(find(f"{prefix}-images-idx3-ubyte"))
        _, labels = idx(find(f"{prefix}-labels-idx1-ubyte"))
        count = min(count, args.limit) if args.limit else count
        for c in CLASSES:
            os.makedirs(os.path.join(args.out, split, c), exist_ok=True)
        for i in range(count):
            with open(os.path.join(args.out, split, CLASSES[labels[i]], f"{i:05}.png"), "wb") as f:
                f.write(png(w, h, pixels[i * h * w:(i + 1) * h * w]))


if __name__ == "__main__":
    main()
