#!/usr/bin/env bash
# Runs the fuzz targets for a while each, two at a time: each starts from CORPUS_DIR/TARGET (the
# seeds of fuzz/make_seeds.sh; inputs that reach new code are added to it) with its dictionary
# from fuzz/dicts. A crash, sanitizer report, leak, timeout (30 s on one input) or
# out-of-memory (2.5 GB in all, or 512 MB in one allocation: the inputs are kilobytes) fails the
# run and leaves the input in FUZZ_BUILD/fuzz/findings/; each target's log is there too (a failure's
# last 40 lines are also printed). Prints
# per target: executions, seconds, edges covered, corpus size.
# Usage: fuzz/run.sh FUZZ_BUILD CORPUS_DIR SECONDS [TARGET...]   (default: every target)
#   FUZZ_RUNS=N: also stop a target after N executions (the long runs: 30 minutes or 10 million).
#   FUZZ_FINDINGS=DIR: findings and logs there instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
corpus="$(cd "$2" && pwd)"
seconds="$3"
shift 3
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(qfm coded_bytes checkpoint npy npz idx image png_direct onnx tflite cli_flags)
findings="${FUZZ_FINDINGS:-$build/fuzz/findings}"
mkdir -p "$findings"

run_one() {
  local target="$1" dict=""
  case "$target" in
    onnx) dict=onnx ;;
    npy | npz) dict=npy ;;
    image | png_direct) dict=png ;;
    cli_flags) dict=cli ;;
    qfm | tflite) dict=flatbuffers ;;
  esac
  mkdir -p "$corpus/$target"
  local log="$findings/$target.log"
  local status=0
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/fuzz_$target" "$corpus/$target" ${dict:+-dict="$root/fuzz/dicts/$dict.dict"} \
    -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=30 -rss_limit_mb=2560 -malloc_limit_mb=512 -print_final_stats=1 \
    -artifact_prefix="$findings/$target-" >"$log" 2>&1 || status=$?
  local execs edges
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  edges="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)"
  local took
  took="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o '[0-9]* second' | grep -o '[0-9]*' || echo "?")"
  printf 'fuzz %-12s %10s executions in %s s, %6s edges, corpus %s files%s\n' "$target" "$execs" "$took" \
    "$edges" "$(find "$corpus/$target" -type f | wc -l)" "$([ $status -eq 0 ] || echo ": FAILED (see $log)")"
  # A failure's report goes to the output too: CI keeps the output, not the findings directory.
  [ $status -eq 0 ] || grep -v -E '^#[0-9]+\s' "$log" | tail -n 40 | sed "s/^/  $target: /" >&2
  return $status
}
export -f run_one
export root build corpus seconds findings FUZZ_RUNS
printf '%s\n' "${targets[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_one "$@"' _ {}
