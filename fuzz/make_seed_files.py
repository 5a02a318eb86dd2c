#!/usr/bin/python3
"""Writes the data-reader seeds of the fuzz corpora: NPY arrays (every dtype qforge reads, C and
Fortran order, both byte orders, 1-4 dimensions), NPZ archives (stored and deflated), IDX files
(raw and gzip) cut from Fashion-MNIST, PNG and JPEG images (gray, RGB, alpha, palette, 16-bit,
interlaced, progressive), and a small labelled NPZ data set that make_seeds.sh trains on.

Usage: make_seed_files.py CORPUS_DIR SMALL_DATASET.npz
"""
import gzip
import io
import os
import struct
import sys

import numpy as np
from PIL import Image

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def idx_bytes(array):
    return bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    corpus, small = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(7)
    x_train, y_train = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    x_test, y_test = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    np.savez(small, x_train=x_train[:512], y_train=y_train[:512], x_test=x_test[:128], y_test=y_test[:128])

    npy = os.path.join(corpus, "npy")
    arrays = {
        "images_u8": x_train[:4],
        "images_nhwc_f32": rng.standard_normal((2, 5, 5, 3)).astype(np.float32),
        "images_nchw_f16": rng.standard_normal((2, 3, 4, 4)).astype(np.float16),
        "f64_vector": rng.standard_normal(7),
        "labels_i64": y_train[:16].astype(np.int64),
        "labels_u16": y_train[:16].astype(np.uint16),
        "i8_matrix": rng.integers(-128, 127, (3, 4), dtype=np.int8),
        "i32_scalar": np.array(5, dtype=np.int32),
        "bool_vector": np.array([True, False, True]),
        "empty": np.zeros((0, 3), np.float32),
    }
    for name, a in arrays.items():
        np.save(os.path.join(npy, name + ".npy"), a)
    np.save(os.path.join(npy, "fortran_f32.npy"), np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)))
    np.save(os.path.join(npy, "big_endian_f32.npy"), rng.standard_normal((2, 3)).astype(">f4"))
    with open(os.path.join(npy, "version2.npy"), "wb") as f:
        np.lib.format.write_array(f, x_train[:1], version=(2, 0))

    npz = os.path.join(corpus, "npz")
    data = dict(x_train=x_train[:8], y_train=y_train[:8], x_test=x_test[:4], y_test=y_test[:4])
    np.savez(os.path.join(npz, "stored.npz"), **data)
    np.savez_compressed(os.path.join(npz, "deflated.npz"), **data)
    np.savez(os.path.join(npz, "mixed_types.npz"), a=arrays["images_nhwc_f32"], b=arrays["labels_i64"])

    idx = os.path.join(corpus, "idx")
    write(os.path.join(idx, "images"), idx_bytes(x_train[:3]))
    write(os.path.join(idx, "labels"), idx_bytes(y_train[:20]))
    write(os.path.join(idx, "images.gz"), gzip.compress(idx_bytes(x_train[:3])))
    write(os.path.join(idx, "labels.gz"), gzip.compress(idx_bytes(y_train[:20])))
    write(os.path.join(idx, "two_members.gz"), gzip.compress(idx_bytes(y_train[:5])[:6]) + gzip.compress(idx_bytes(y_train[:5])[6:]))

    gray = Image.fromarray(x_train[0])
    rgb = Image.fromarray(rng.integers(0, 255, (9, 13, 3), dtype=np.uint8))
    images = {
        "gray.png": (gray, {}),
        "rgb.png": (rgb, {}),
        "rgba.png": (rgb.convert("RGBA"), {}),
        "palette.png": (rgb.convert("P"), {}),
        "gray16.png": (Image.fromarray((x_train[1].astype(np.uint16) * 257)), {}),
        "interlaced.png": (rgb, {"interlace": 1}),  # Adam7 (Pillow may write it plainly)
        "gray_alpha.png": (gray.convert("LA"), {}),
        "gray.jpg": (gray, {"quality": 90}),
        "rgb.jpg": (rgb.resize((17, 11)), {"quality": 75}),
        "progressive.jpg": (rgb, {"progressive": True}),
        "subsampled.jpg": (rgb.resize((16, 16)), {"subsampling": 2}),
    }
    for name, (image, options) in images.items():
        buffer = io.BytesIO()
        image.save(buffer, format="PNG" if name.endswith(".png") else "JPEG", **options)
        write(os.path.join(corpus, "image", name), buffer.getvalue())
        if name.endswith(".png"):
            write(os.path.join(corpus, "png_direct", name), buffer.getvalue())


if __name__ == "__main__":
    main()
