"""Shared fixtures: Fashion-MNIST as arrays, a small labelled subset saved as .npz for the command
line, and the qforge command (QFORGE_CLI, set by ctest; build/qforge otherwise)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SOURCE_DIR = Path(os.environ.get("QFORGE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
if "qforge" not in sys.modules and not any(Path(p, "qforge", "__init__.py").exists() for p in sys.path if p):
    sys.path.insert(0, str(SOURCE_DIR / "build" / "python"))

import qforge  # noqa: E402


@pytest.fixture(scope="session")
def fashion():
    return qforge.datasets.fashion_mnist()


@pytest.fixture(scope="session")
def small(fashion, tmp_path_factory):
    """4,000 training and 1,000 test images, as arrays and as an .npz for `--data`."""
    (x_train, y_train), (x_test, y_test) = fashion
    data = {"x_train": x_train[:4000], "y_train": y_train[:4000], "x_test": x_test[:1000], "y_test": y_test[:1000]}
    path = tmp_path_factory.mktemp("data") / "small.npz"
    np.savez(path, **data)
    data["npz"] = str(path)
    return data


@pytest.fixture(scope="session")
def cli():
    exe = os.environ.get("QFORGE_CLI", str(SOURCE_DIR / "build" / "qforge"))

    def run(*args):
        result = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        assert result.returncode == 0, f"qforge {' '.join(map(str, args))} failed:\n{result.stderr}"
        return result.stdout
    return run


@pytest.fixture(scope="session")
def trained(small, tmp_path_factory):
    """lenet5 trained one epoch on the small set, saved as a checkpoint."""
    model = qforge.zoo.lenet5(seed=1)
    model.fit(small["x_train"], small["y_train"], epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("trained") / "lenet5.ckpt"
    model.save(path)
    return model, path
