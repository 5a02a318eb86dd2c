#!/usr/bin/env python3
"""Runs a .tflite model with Arm NN — Debian's python3-pyarmnn: its TFLite parser and its CPU
reference backend, a TFLite reader that is not qforge's — over every sample of an NPY array and
writes the first output for all of them. The file's batch is 1, so samples run one at a time.

usage: armnn_run.py MODEL.tflite X.npy OUT.npy
       armnn_run.py MODEL.tflite --parse   (only parse: TFLite's FlatBuffers verifier, which Arm NN's
                                            parser runs first, then every operator into Arm NN's graph)
"""
import sys
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pyarmnn as ann  # pylint: disable=wrong-import-position


def main():
    path = sys.argv[1]
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(path)
    if sys.argv[2] == "--parse":
        print(f"{path}: parsed by Arm NN")
        return
    x_path, out_path = sys.argv[2:4]
    in_info = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
    out_info = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)
    results = []
    for sample in np.load(x_path):
        inputs = ann.make_input_tensors([in_info], [np.ascontiguousarray(sample[None])])
        outputs = ann.make_output_tensors([out_info])
        runtime.EnqueueWorkload(net_id, inputs, outputs)
        results.append(ann.workload_tensors_to_ndarray(outputs)[0])
    np.save(out_path, np.concatenate(results, axis=0))


if __name__ == "__main__":
    main()
