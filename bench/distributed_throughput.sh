#!/usr/bin/env bash
# Data-parallel training throughput on this machine: one epoch of Fashion-MNIST per run, one
# process (all cores as threads, batch 2B) against N ranks under mpirun (cores / N threads each,
# batch B per rank: the same global batch), interleaved ROUNDS times. Prints images/s and the
# share of each epoch ranks spent in collectives (waiting included), one line per run.
# Usage: bench/distributed_throughput.sh [QFORGE] [ROUNDS] [MODEL...]   (default: build/qforge 2 lenet5)
set -euo pipefail
QFORGE="${1:-build/qforge}"; ROUNDS="${2:-2}"; shift $(( $# > 2 ? 2 : $# )) || true
MODELS=("${@:-lenet5}")
CORES=$(nproc)
RANKS=2
PER_RANK=32
ROOT_FLAG=""; [ "$(id -u)" -eq 0 ] && ROOT_FLAG="--allow-run-as-root"
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
report() {  # label, json
  python3 -c '
import json, sys
j = json.loads(sys.argv[2])
print("%-34s %9.0f img/s  communication %4.1f%%  test accuracy %.4f" % (sys.argv[1], j["images_per_second"],
      100 * j["communication_share"], j["test_accuracy"]))' "$1" "$2"
}
for model in "${MODELS[@]}"; do
  for round in $(seq "$ROUNDS"); do
    j=$("$QFORGE" train --model "$model" --epochs 1 --batch $((RANKS * PER_RANK)) --threads "$CORES" --json \
        --out "$OUT/one.ckpt" 2>/dev/null)
    report "$model N=1 x $CORES threads, batch $((RANKS * PER_RANK))" "$j"
    j=$(mpirun -np $RANKS $ROOT_FLAG --bind-to core "$QFORGE" train --model "$model" --epochs 1 --batch $PER_RANK \
        --threads $((CORES / RANKS)) --json --out "$OUT/two.ckpt" 2>/dev/null)
    report "$model N=$RANKS x $((CORES / RANKS)) threads, batch $PER_RANK" "$j"
  done
done
