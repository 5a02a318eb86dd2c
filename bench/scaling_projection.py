#!/usr/bin/env python3
"""Projects data-parallel training throughput to more nodes from measured pieces (a model, not a
measurement): per-step compute time of one rank, the gradient bytes, the number of small
collectives per step (the loss, and 3 per synchronized batch norm: mean and variance forward,
gradient sums backward), and an all-reduce cost model t = latency + bytes / bandwidth.

  gradients: ring all-reduce, 2 (N - 1) latency + 2 (N - 1) / N * bytes / bandwidth
  small collectives: recursive doubling, ceil(log2 N) * latency each
  step(N) = compute + gradients(N) + small(N)   (no overlap, no stragglers: conservative on the
                                                 first, optimistic on the second)

Usage: bench/scaling_projection.py LATENCY_US BANDWIDTH_GBS MODEL:COMPUTE_MS:GRAD_MB:BATCHNORMS:BATCH ...
"""
import math
import sys


def project(latency, bandwidth, compute, grad_bytes, small, batch, nodes):
    ring = 2 * (nodes - 1) * latency + 2 * (nodes - 1) / nodes * grad_bytes / bandwidth if nodes > 1 else 0.0
    tree = small * math.ceil(math.log2(nodes)) * latency if nodes > 1 else 0.0
    step = compute + ring + tree
    return nodes * batch / step, (ring + tree) / step


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    latency, bandwidth = float(sys.argv[1]) * 1e-6, float(sys.argv[2]) * 1e9
    print(f"latency {latency * 1e6:.1f} us, bandwidth {bandwidth / 1e9:.2f} GB/s")
    print(f"{'model':<10} {'nodes':>5} {'images/s':>10} {'per node':>9} {'efficiency':>10} {'communication':>13}")
    for spec in sys.argv[3:]:
        name, compute_ms, grad_mb, batchnorms, batch = spec.split(":")
        compute, grad_bytes = float(compute_ms) * 1e-3, float(grad_mb) * 1e6
        small = 1 + 3 * int(batchnorms)
        alone = int(batch) / compute
        for nodes in (1, 2, 8, 64):
            rate, share = project(latency, bandwidth, compute, grad_bytes, small, int(batch), nodes)
            print(f"{name:<10} {nodes:>5} {rate:>10.0f} {rate / nodes:>9.0f} {rate / nodes / alone:>9.1%} {share:>12.1%}")


if __name__ == "__main__":
    main()
