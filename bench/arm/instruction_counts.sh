#!/usr/bin/env bash
# Instructions per inference of int8 models on the 64-bit Arm runtime, per ISA (ref, neon,
# neondot), counted under qemu-user: qemu runs one instruction per translation block and logs
# each one it executes (-singlestep -d exec,nochain); the count for 2 inferences minus the count
# for 1 is one inference at batch 1 (loading and preparing cancel out). Speed cannot be measured
# under emulation; instruction counts say how much work each kernel set does, not how fast a
# core retires it. Also checks that every ISA's output — and the x86-64 build's (its portable
# reference kernels) — is the same bytes as the Arm reference's. Prints a Markdown table.
# Usage: bench/arm/instruction_counts.sh ARM64_BUILD X86_RUNTIME_BUILD MODEL.qfm...
#   (both builds runtime-only, with bench/arm/invoke_model; scripts/test.sh makes them)
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bench/arm/instruction_counts.sh ARM64_BUILD X86_RUNTIME_BUILD MODEL.qfm..." >&2; exit 2; }
arm_build=$1 x86_build=$2
shift 2
for tool in "$arm_build/invoke_model" "$x86_build/invoke_model"; do
  [ -x "$tool" ] || { echo "instruction_counts: $tool is missing (build the runtime-only trees first)" >&2; exit 2; }
done
qemu=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# count MODEL ISA CALLS: instructions qemu executes for the whole program.
count() {
  local fifo="$work/trace"
  rm -f "$fifo" && mkfifo "$fifo"
  "${qemu[@]}" -singlestep -d exec,nochain -D "$fifo" "$arm_build/invoke_model" "$1" "$2" "$3" "$work/ignored.bin" >/dev/null &
  local pid=$! n
  n=$(grep -c '^Trace' "$fifo" || true)
  wait "$pid"
  echo "$n"
}

echo "| model | ref | neon | neondot | ref / neon | ref / neondot | outputs |"
echo "|---|---:|---:|---:|---:|---:|---|"
for model in "$@"; do
  [ -f "$model" ] || { echo "instruction_counts: no model $model" >&2; exit 2; }
  declare -A per=()
  same=yes
  "$x86_build/invoke_model" "$model" "" 1 "$work/x86.bin" >/dev/null
  for isa in ref neon neondot; do
    "${qemu[@]}" "$arm_build/invoke_model" "$model" "$isa" 1 "$work/$isa.bin" >/dev/null
    cmp -s "$work/$isa.bin" "$work/x86.bin" || same=no
    one=$(count "$model" "$isa" 1)
    two=$(count "$model" "$isa" 2)
    per[$isa]=$((two - one))
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  echo "| $model | ${per[ref]} | ${per[neon]} | ${per[neondot]} | $(ratio "${per[ref]}" "${per[neon]}") |" \
    "$(ratio "${per[ref]}" "${per[neondot]}") | $([ $same = yes ] && echo "same bytes on every ISA and the x86-64 reference" || echo DIFFER) |"
  [ $same = yes ] || { echo "instruction_counts: $model: the outputs differ between ISAs" >&2; exit 1; }
done
