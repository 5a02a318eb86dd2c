"""`pip install --no-build-isolation .` works offline: into a fresh virtual environment (Debian's
Python is externally managed), through setup.py's CMake build — reusing the build folder the
tests run from (QFORGE_BUILD_DIR) so it is a no-op build — and the installed package runs."""
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import SOURCE_DIR


def test_pip_install_into_a_venv(tmp_path):
    build_dir = os.environ.get("QFORGE_BUILD_DIR", str(SOURCE_DIR / "build"))
    if not Path(build_dir, "CMakeCache.txt").exists():
        pytest.skip(f"no CMake build folder at {build_dir}")
    env_dir = tmp_path / "env"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
    environ = dict(os.environ, QFORGE_CMAKE_BUILD_DIR=build_dir, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    environ.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-build-isolation",
                             "--no-deps", str(SOURCE_DIR)], env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    check = ("import qforge, numpy as np; "
             "assert '/env/' in qforge.__file__, qforge.__file__; "
             "m = qforge.zoo.mlp(); "
             "(x, y), _ = qforge.datasets.fashion_mnist(); "
             "h = m.fit(x[:512], y[:512], epochs=1, verbose=0); "
             "print(qforge.__version__, h.history['accuracy'][0])")
    ran = subprocess.run([str(python), "-c", check], env=environ, capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("0.")
