#!/usr/bin/env bash
# Sets up and runs the whole test suite: the Release build's tests (among them training and
# calibration across processes under a real `mpirun -np 2`; the runtime's also with
# QFORGE_ISA=ref, avx2 and avx512vnni); the runtime-only build (portable kernels only) and its
# tests natively; the runtime cross-compiled for 64-bit Arm (NEON kernels), its tests run under
# qemu-user with and without the dot product; qforge
# installed as a library and used by the example consumer projects (scripts/consumer_check.sh);
# then the core, data, ops, graph, train, runtime, converter and ONNX import tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer (clang), and a short run of every fuzz target;
# and the runtime's tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
(cd build && ctest --output-on-failure -j"$(nproc)")
# The runtime and converter tests again with the optimized kernels capped at each lower ISA
# (the kernel tests compare every ISA themselves; these run whole models through each path).
for isa in ref avx2 avx512vnni; do
  (cd build && QFORGE_ISA=$isa ctest --output-on-failure -j"$(nproc)" -L 'runtime|convert')
done

# The runtime alone: C++17 and FlatBuffers. The training stack's packages are made unfindable,
# so a stray dependency fails this configure even on a machine that has them; and it is built
# without the x86 kernels, as on another CPU, so the portable code paths compile and run.
cmake -S . -B build-runtime -G Ninja -DCMAKE_BUILD_TYPE=Release -DQFORGE_RUNTIME_ONLY=ON -DQFORGE_X86_KERNELS=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_dnnl=ON -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenMP=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >/dev/null
cmake --build build-runtime --parallel "$(nproc)"
(cd build-runtime && ctest --output-on-failure -j"$(nproc)")
# The same for 64-bit Arm: Debian's cross compiler, the tests under qemu-aarch64-static
# (cmake/aarch64-linux-gnu.cmake).
cmake -S . -B build-arm64 -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DQFORGE_RUNTIME_ONLY=ON >/dev/null
cmake --build build-arm64 --parallel "$(nproc)"
(cd build-arm64 && ctest --output-on-failure -j"$(nproc)")
# qemu's default CPU has the dot product (neondot); a Cortex-A53 has not, so the CPU check picks
# the plain NEON kernels there.
(cd build-arm64 && QEMU_CPU=cortex-a53 ctest --output-on-failure -j"$(nproc)")
scripts/consumer_check.sh build build-runtime

# AddressSanitizer + UndefinedBehaviorSanitizer, built by clang with libFuzzer's coverage
# instrumentation (one build serves both): the tests below, then every fuzz target for
# QFORGE_FUZZ_SECONDS (default 60) each from seeds that fuzz/make_seeds.sh makes with the Release
# build (docs/reliability.md has the long runs).
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DQFORGE_SANITIZE=ON -DQFORGE_FUZZ=ON \
  -DQFORGE_BUILD_BENCH=OFF -DQFORGE_ORT_NODE_MODULES="$PWD/build/onnxruntime-node/node_modules" >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target fuzzers core_test data_test ops_test graph_test train_test \
  quant_math_test arena_planner_test model_test conv_ref_test elementwise_pool_ref_test lut_ref_test unary_ref_test mul_channel_ref_test \
  int16_ref_test float16_test interpreter_test interpreter_sim_test convert_test bias_fit_test quant_test quantizer_test qat_test \
  gemm_test sparse_gemm_test depthwise_test conv_gemm_test pool_test add_test quantize_test float_kernels_test hybrid_test int16_kernels_test \
  kernel_family_test thread_pool_test huffman_test sparsity_test cluster_test \
  compress_test channel_removal_test runtime_api_test c_api_test npz_test image_data_test png_direct_test npy_shards_test \
  onnx_import_test debug_test communicator_test crash_safe_files_test
# oneDNN's JIT code and OpenMP runtime are not instrumented; leak checking stays on.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-fuzz && ctest --output-on-failure -j"$(nproc)" -L 'core|data|ops|graph|train|runtime|convert|interop|fuzz' \
  -E 'onnx_deploy_test|import_cli_test')
rm -rf build-fuzz/corpus
fuzz/make_seeds.sh build build-fuzz/corpus
fuzz/run.sh build-fuzz build-fuzz/corpus "${QFORGE_FUZZ_SECONDS:-60}"

# The runtime under ThreadSanitizer: its thread pool, interpreters on many threads sharing one
# model, and the kernels split over threads (the runtime-only build: no OpenMP or oneDNN, whose
# code is not instrumented).
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQFORGE_RUNTIME_ONLY=ON \
  -DQFORGE_THREAD_SANITIZER=ON >/dev/null
cmake --build build-tsan --parallel "$(nproc)"
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j"$(nproc)")
