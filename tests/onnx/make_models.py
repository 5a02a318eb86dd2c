#!/usr/bin/python3
"""Exports torchvision classification CNNs to ONNX with seeded weights, for the importer's tests.

Usage: make_models.py [--untrained] OUT_DIR [NAME ...]
For each architecture, at 224x224 (1000 classes) and at 32x32 (10 classes): OUT_DIR/NAME_SIZE.onnx
and a seeded input batch OUT_DIR/NAME_SIZE.input.npy (float32 NCHW, batch 2). The batch-norm
layers are exported as BatchNormalization nodes (not folded into the convolutions), with random
running statistics and affine parameters, so the importer sees what a trained model carries.
Opsets and batch dimensions vary over the set (9 to 17; dynamic or fixed batch) so older and
newer exporter spellings are both covered.
--untrained: 32x32 only, torchvision's own initialization (batch-norm statistics 0 and 1): the
untrained models scripts/imported_models.sh trains.
"""
import os
import sys
import warnings

import numpy as np
import torch
import torchvision

# name -> (opset, dynamic batch)
MODELS = {
    "resnet18": (9, False),
    "mobilenet_v2": (11, True),
    "mobilenet_v3_small": (14, True),
    "squeezenet1_1": (10, True),
    "shufflenet_v2_x0_5": (13, True),
    "mnasnet0_5": (12, False),
    "efficientnet_b0": (17, True),
}
SIZES = {224: 1000, 32: 10}


def seeded_model(name, classes, seed, untrained):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(num_classes=classes)
    if untrained:
        return model.eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


def export(name, size, out_dir, untrained):
    opset, dynamic = MODELS[name]
    classes = SIZES[size]
    model = seeded_model(name, classes, seed=size, untrained=untrained)
    x = torch.from_numpy(np.random.default_rng(size).standard_normal((2, 3, size, size), dtype=np.float32))
    stem = os.path.join(out_dir, f"{name}_{size}")
    np.save(stem + ".input.npy", x.numpy())
    axes = {"input": {0: "batch"}, "logits": {0: "batch"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, x, stem + ".onnx", opset_version=opset, input_names=["input"],
                          output_names=["logits"], dynamic_axes=axes,
                          training=torch.onnx.TrainingMode.PRESERVE)


def main():
    args = sys.argv[1:]
    untrained = bool(args) and args[0] == "--untrained"
    args = args[1:] if untrained else args
    if not args:
        sys.exit("usage: make_models.py [--untrained] OUT_DIR [NAME ...]")
    out_dir = args[0]
    names = args[1:] or list(MODELS)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        if name not in MODELS:
            sys.exit(f"make_models.py: unknown model {name}; known: {', '.join(MODELS)}")
        for size in [32] if untrained else SIZES:
            export(name, size, out_dir, untrained)
            print(f"exported {name}_{size}.onnx", flush=True)


if __name__ == "__main__":
    main()
