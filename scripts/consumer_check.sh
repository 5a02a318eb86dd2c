#!/usr/bin/env bash
# qforge as a library, checked as its users would use it: installs a build into a temporary
# prefix (`cmake --install`), configures the example consumer project (examples/consumer) against
# the installed tree with find_package(qforge), builds its C twin with pkg-config, and runs them
# on a zoo model: train_and_quantize (qforge::qforge) trains mlp for one epoch, quantizes it to
# int8 and evaluates it; classify (C++, qforge::runtime only) and classify_c (C API) must report
# exactly the same int8 accuracy. With a runtime-only build folder as well, its installed tree
# must serve classify and classify_c alone. Also checks `qforge --version` and that the shared
# runtime exports nothing but the public API.
# Usage: scripts/consumer_check.sh BUILD_DIR [RUNTIME_ONLY_BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/consumer_check.sh BUILD_DIR [RUNTIME_ONLY_BUILD_DIR]" >&2; exit 2; }
build="$1" runtime_build="${2:-}"
version=$(sed -nE 's/^project\(qforge VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, counts it passed or failed
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "consumer_check: FAILED: $what" >&2; fi
}

# Builds examples/consumer against PREFIX into DIR, and classify.c with PREFIX's pkg-config file.
build_consumers() {
  local prefix="$1" dir="$2"
  cmake -S examples/consumer -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$dir" >/dev/null
  local libdir
  libdir=$(dirname "$(find "$prefix" -name qforge-runtime.pc | head -n 1)")
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Wextra -Werror examples/consumer/classify.c \
    $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs qforge-runtime) -o "$dir/classify_c"
}

# The public API and nothing else: qf_* functions and qforge:: facade symbols (Model,
# Interpreter, Status, DType*), no internal namespace (qforge::runtime::, qforge::qfm::).
exports_only_public_api() {
  local lib="$1" leaked
  leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | c++filt | grep -E '(^| for )qforge::' |
           grep -vE '(^| for )qforge::(Model|Interpreter|Status|StatusCodeName|DTypeName|DTypeSize)\b' || true)
  [ -z "$leaked" ] || { echo "libqforge_runtime.so exports internals:"; echo "$leaked" | head -n 20; return 1; }
}

same_line() { [ "$1" = "$2" ] || { echo "  '$1' != '$2'"; return 1; }; }

# 1. The full build, installed.
cmake --install "$build" --prefix "$work/full" >/dev/null
check "qforge --version" same_line "$("$work/full/bin/qforge" --version)" "qforge $version"
for f in runtime.h c_api.h status.h export.h version.h train.h quant.h; do
  check "installed include/qforge/$f" test -f "$work/full/include/qforge/$f"
done
lib=$(find "$work/full" -name 'libqforge_runtime.so' | head -n 1)
check "libqforge_runtime.so installed" test -n "$lib"
check "libqforge_runtime.so exports only the public API" exports_only_public_api "$lib"
build_consumers "$work/full" "$work/consumer"
mkdir -p "$work/data"
"$work/consumer/train_and_quantize" mlp "$work/data" | tee "$work/train.txt"
reference=$(grep '^int8 accuracy' "$work/train.txt")
check "train_and_quantize reports an int8 accuracy above 0.75" \
  awk -v a="$(echo "$reference" | awk '{print $3}')" 'BEGIN { exit !(a > 0.75) }'
libpath=$(dirname "$lib")
run_classifiers() {  # run_classifiers CONSUMER_DIR LIBDIR LABEL
  local out
  out=$("$1/classify" "$work/data/model.qfm" "$work/data/test_images.f32" "$work/data/test_labels.u8")
  echo "classify ($3): $out"
  check "classify ($3) agrees with qforge's evaluation" same_line "$out" "$reference"
  out=$(LD_LIBRARY_PATH="$2" "$1/classify_c" "$work/data/model.qfm" "$work/data/test_images.f32" "$work/data/test_labels.u8")
  echo "classify_c ($3): $out"
  check "classify_c ($3) agrees with qforge's evaluation" same_line "$out" "$reference"
}
run_classifiers "$work/consumer" "$libpath" "full install"

# 2. The runtime-only build, installed: the runtime consumers need nothing else.
if [ -n "$runtime_build" ]; then
  cmake --install "$runtime_build" --prefix "$work/runtime" >/dev/null
  check "runtime-only install has no qforge command" test ! -e "$work/runtime/bin/qforge"
  check "runtime-only install has no training headers" test ! -e "$work/runtime/include/qforge/train.h"
  build_consumers "$work/runtime" "$work/consumer-runtime"
  check "runtime-only consumer builds without qforge::qforge" test ! -e "$work/consumer-runtime/train_and_quantize"
  rt_lib=$(find "$work/runtime" -name 'libqforge_runtime.so' | head -n 1)
  run_classifiers "$work/consumer-runtime" "$(dirname "$rt_lib")" "runtime-only install"
fi
echo "consumer_check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
