"""Builds the qforge Python package: the _qforge extension module with CMake (in build/pip, or in
the CMake build folder QFORGE_CMAKE_BUILD_DIR names, e.g. an existing build/), then the pure-Python
files of python/qforge beside it. Used by `pip install --no-build-isolation .`."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(qforge VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("QFORGE_CMAKE_BUILD_DIR", ROOT / "build" / "pip")).resolve()
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                            "-DQFORGE_BUILD_BENCH=OFF", f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "qforge_python", "--parallel",
                        str(os.cpu_count() or 1)], check=True)
        # The module for this interpreter's ABI (a build folder configured for another Python has
        # another suffix, and is refused rather than installed under this one's name).
        built = build_dir / "python" / "qforge" / ("_qforge" + sysconfig.get_config_var("EXT_SUFFIX"))
        if not built.exists():
            raise RuntimeError(f"{built} was not built: {build_dir} is configured for another Python "
                               f"than {sys.executable} (use a fresh QFORGE_CMAKE_BUILD_DIR)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    version=version(),
    packages=["qforge"],
    package_dir={"qforge": "python/qforge"},
    ext_modules=[Extension("qforge._qforge", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
