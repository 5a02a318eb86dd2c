#!/usr/bin/env bash
# Installs every Debian package qforge needs (idempotent: packages already present are skipped),
# configures + builds a Release build in build/ (the qforge command, the libraries and the Python
# package in build/python), and puts onnxruntime-node (the tests' reference
# runtime for ONNX, from the npm registry) in build/onnxruntime-node. Usage: scripts/setup.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libdnnl-dev ocl-icd-opencl-dev libflatbuffers-dev flatbuffers-compiler libcli11-dev nlohmann-json3-dev libfmt-dev
  zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev libpng-dev libturbojpeg0-dev
  dataset-fashion-mnist
  # training across processes and machines: MPI (mpirun starts the ranks)
  libopenmpi-dev openmpi-bin
  # the Python package: pybind11 builds the module; pytest runs its tests; venv, pip, setuptools
  # and wheel serve `pip install --no-build-isolation .`
  python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pytest python3-venv python3-pip
  python3-setuptools python3-wheel
  # tests only: PyTorch exports the test models; Node.js runs onnxruntime-node on them; Arm NN
  # (its TFLite parser and CPU reference backend) runs exported TFLite files
  python3-torch python3-torchvision python3-onnx nodejs
  python3-pyarmnn libarmnn-cpuref-backend22
  # tests only: headless Chromium renders the quantization debugger's HTML report
  chromium fonts-liberation
  # tests only: the fuzz targets (fuzz/): clang with libFuzzer, its sanitizer runtimes and OpenMP;
  # Pillow writes the image seeds
  clang-14 libfuzzer-14-dev libclang-rt-14-dev libomp-14-dev python3-pil
  # tests only: the runtime cross-compiled for 64-bit Arm, its tests run under qemu-user
  crossbuild-essential-arm64 qemu-user-static
)
# Debian's npm, unless the machine already has one (Node.js from NodeSource bundles its own).
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "setup: packages installed"
fi

BUILD_DIR="${1:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
echo "setup: built $BUILD_DIR/qforge"

# onnxruntime-node, pinned; its CPU library ships in the package. The install script is skipped:
# it only fetches optional GPU libraries, from outside the npm registry.
ORT_VERSION=1.30.0
ORT_DIR="$BUILD_DIR/onnxruntime-node"
if ! grep -qs "\"version\": \"$ORT_VERSION\"" "$ORT_DIR/node_modules/onnxruntime-node/package.json"; then
  mkdir -p "$ORT_DIR"
  npm install --prefix "$ORT_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "onnxruntime-node@$ORT_VERSION" >/dev/null
  echo "setup: installed onnxruntime-node $ORT_VERSION in $ORT_DIR"
fi
