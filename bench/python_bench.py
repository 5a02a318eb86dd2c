#!/usr/bin/env python3
"""The Python package's overheads, each as a ratio measured in one run (rounds alternate the two
sides, so machine noise hits both):
  1. Interpreter.run at batch 1 on lenet5 (int8 .qfm) against `qforge bench --batch 1 --threads 1`
     (the median of Invoke calls in C++);
  2. Model.fit images/s against `qforge train` images/s (lenet5, one epoch of Fashion-MNIST);
  3. two Python threads each running an interpreter of one model against one thread (GIL released),
     at batch 1, 8 and 32.

Usage: PYTHONPATH=build/python python3 bench/python_bench.py [--qforge build/qforge] [--rounds 3]
       [--seconds 2] [--train-images 60000] [--json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

import qforge


def cpp_bench_median_ms(exe, model, seconds):
    out = subprocess.run([exe, "bench", model, "--batch", "1", "--threads", "1", "--min-seconds", str(seconds),
                          "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["results"][0]["median_ms"]


def python_run_median_ms(model, x, seconds):
    it = qforge.Interpreter(model, batch=1, threads=1)
    for _ in range(100):
        it(x)
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 100:
        t0 = time.perf_counter()
        it(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def threaded_throughput(model, x, batch, threads, seconds):
    """Inferences per second of `threads` Python threads, each with its own interpreter."""
    interpreters = [qforge.Interpreter(model, batch=batch, threads=1) for _ in range(threads)]
    counts = [0] * threads
    stop = threading.Event()

    def work(k):
        it = interpreters[k]
        while not stop.is_set():
            it(x)
            counts[k] += batch
    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qforge", default=os.path.join(os.path.dirname(__file__), "..", "build", "qforge"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--train-images", type=int, default=60000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    (x_train, y_train), (x_test, y_test) = qforge.datasets.fashion_mnist()
    work = tempfile.mkdtemp(prefix="qforge-python-bench-")
    model = qforge.zoo.lenet5(seed=1)
    model.fit(x_train[:10000], y_train[:10000], epochs=1, verbose=0)
    qfm = os.path.join(work, "lenet5_int8.qfm")
    qforge.quantization.quantize(model, calibration=x_train, mode="int8", path=qfm)
    x1 = qforge.Interpreter(qfm).preprocess(x_test[:1])

    n = args.train_images
    npz = os.path.join(work, "train.npz")
    np.savez(npz, x_train=x_train[:n], y_train=y_train[:n], x_test=x_test[:1000], y_test=y_test[:1000])
    batches = (1, 8, 32)
    rows = {"run_ms_python": [], "run_ms_cpp": [], "fit_images_per_s": [], "train_images_per_s": []}
    for b in batches:
        rows[f"threads1_b{b}_per_s"], rows[f"threads2_b{b}_per_s"] = [], []
    inputs = {b: qforge.Interpreter(qfm, batch=b).preprocess(x_test[:b]) for b in batches}
    for r in range(args.rounds):
        rows["run_ms_cpp"].append(cpp_bench_median_ms(args.qforge, qfm, args.seconds))
        rows["run_ms_python"].append(python_run_median_ms(qfm, x1, args.seconds))
        fresh = qforge.zoo.lenet5(seed=1)
        h = fresh.fit(x_train[:n], y_train[:n], epochs=1, verbose=0, validation_data=(x_test[:1000], y_test[:1000]))
        rows["fit_images_per_s"].append(h.history["images_per_second"][0])
        out = subprocess.run([args.qforge, "train", "--model", "lenet5", "--data", npz, "--epochs", "1",
                              "--out", os.path.join(work, "cli.ckpt"), "--json"], check=True, capture_output=True,
                             text=True).stdout
        rows["train_images_per_s"].append(json.loads(out)["images_per_second"])
        for b in batches:
            for t in (1, 2):
                rows[f"threads{t}_b{b}_per_s"].append(threaded_throughput(qfm, inputs[b], b, t, args.seconds))
    med = {k: statistics.median(v) for k, v in rows.items()}
    result = {
        "rounds": args.rounds, "medians": med,
        "run_overhead_ratio": med["run_ms_python"] / med["run_ms_cpp"],
        "fit_vs_train": med["fit_images_per_s"] / med["train_images_per_s"],
    }
    for b in batches:
        result[f"two_threads_speedup_batch{b}"] = med[f"threads2_b{b}_per_s"] / med[f"threads1_b{b}_per_s"]
    if args.json:
        print(json.dumps(result))
        return
    print(f"Interpreter.run batch 1: {med['run_ms_python'] * 1e3:.1f} us vs qforge bench median "
          f"{med['run_ms_cpp'] * 1e3:.1f} us -> {result['run_overhead_ratio']:.2f}x")
    print(f"Model.fit {med['fit_images_per_s']:.0f} images/s vs qforge train {med['train_images_per_s']:.0f} "
          f"-> {result['fit_vs_train']:.3f}")
    for b in batches:
        print(f"2 Python threads vs 1 at batch {b}: {result[f'two_threads_speedup_batch{b}']:.2f}x "
              f"({med[f'threads2_b{b}_per_s']:.0f} vs {med[f'threads1_b{b}_per_s']:.0f} images/s)")


if __name__ == "__main__":
    sys.exit(main())
