"""Datasets as NumPy arrays: Fashion-MNIST from the Debian package dataset-fashion-mnist."""
import os

from . import _qforge


def fashion_mnist(path=None, class_names=False):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images N x 28 x 28 and int32 labels, read
    from the package's files (or from ``path``, a folder of the IDX files, optionally gzipped);
    with ``class_names=True`` the ten class names follow as a third element."""
    train, test, names = _qforge.fashion_mnist("" if path is None else os.fspath(path))
    return (train, test, names) if class_names else (train, test)
