#!/usr/bin/python3
"""Writes small ONNX models for the importer's tests: spelled-out activations (which must fuse),
arithmetic with constants, and broken models (which must fail with a clear error).

Usage: make_small_models.py OUT_DIR
  hardswish_spelled.onnx  x*relu6(x+3)/6 and x*hardsigmoid(x) as PyTorch writes them at opset 11
  constant_arithmetic.onnx  (x - mean) / std at the input, scalar and per-channel Mul/Add/Sub/Div
                          after convolutions and after the classifier
  grouped_conv.onnx       ResNeXt-style grouped convolutions (4 and 8 groups, one dilated) with
                          batch norm, then Clip to [-1, 2] and hardtanh, at opset 9 (Clip's
                          bounds as attributes); the stem's padding is an explicit Pad
  resize_modes.onnx       Resize at opset 13: nearest x2, bilinear to a size, align_corners, and a
                          bilinear resize that shrinks one axis while enlarging the other
  upsample_opset9.onnx    nearest and bilinear x2 upsampling as opset 9's Upsample, and as
  resize_opset10.onnx     opset 10's Resize
  transposed_conv.onnx    ConvTranspose as segmentation decoders use it (kernel 4 stride 2 pad 1 with
                          batch norm; kernel 3 stride 2 with output_padding and 2 groups; stride 1
                          dilated), at opset 11
  unsupported_ops.onnx    Conv, then operators qforge does not import (Erf, a custom domain op)
  unsupported_resampling.onnx  ConvTranspose with auto_pad and with output_padding past its end
                          pad, and a cubic Resize
  cyclic.onnx             two nodes that read each other's output
  bad_initializer.onnx    a weight whose data is shorter than its shape
  dynamic_spatial.onnx    an input whose height and width are dynamic
  wide_input_224.onnx     a 224x224 RGB classifier with almost no compute (8x8 stride-8 convolution,
                          average pooling, 4 classes): trains on big images quickly (the streamed
                          training memory-limit test)
Models with a seeded input also get NAME.input.npy.
"""
import os
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper


class SpelledHardSwish(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        x = self.conv1(x)
        x = x * torch.nn.functional.relu6(x + 3) / 6
        x = self.conv2(x)
        return x * torch.nn.functional.hardsigmoid(x)


class ConstantArithmetic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.fc = torch.nn.Linear(8, 10)
        self.register_buffer("mean", torch.tensor([0.4, 0.5, 0.6]).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.2, 0.25, 0.3]).reshape(1, 3, 1, 1))
        self.register_buffer("gain", torch.linspace(0.5, 2.0, 8).reshape(1, 8, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = torch.relu(self.conv1(x) * 0.5 + 1.0)
        x = self.conv2(x) * self.gain - 0.25
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x) / 2.0


class GroupedConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, padding=0, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(16)
        self.grouped = torch.nn.Conv2d(16, 32, 3, stride=2, padding=1, groups=4, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(32)
        self.dilated = torch.nn.Conv2d(32, 32, 3, padding=2, dilation=2, groups=8)
        self.fc = torch.nn.Linear(32, 10)
        with torch.no_grad():
            for bn in (self.bn1, self.bn2):
                bn.running_mean.uniform_(-0.2, 0.2)
                bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.stem(torch.nn.functional.pad(x, (1, 2, 0, 1)))))
        x = torch.relu(self.bn2(self.grouped(x)))
        x = torch.clamp(self.dilated(x), -1.0, 2.0)
        x = torch.nn.functional.hardtanh(x * 3.0)
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ResizeModes(torch.nn.Module):
    """Resampling inside a small classifier (the head keeps the output [N, classes])."""

    def __init__(self, all_modes):
        super().__init__()
        self.all_modes = all_modes
        self.conv1 = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        f = torch.nn.functional
        x = torch.relu(self.conv1(x))
        y = f.interpolate(x, scale_factor=2.0, mode="nearest") + f.interpolate(x, scale_factor=2.0, mode="bilinear")
        if self.all_modes:
            y = y + f.interpolate(x, size=(16, 16), mode="bilinear", align_corners=True)
            y = f.interpolate(self.conv2(y), size=(12, 20), mode="bilinear")
            y = f.interpolate(y, scale_factor=0.5, mode="nearest")
        else:
            y = self.conv2(y)
        return self.fc(torch.flatten(f.adaptive_avg_pool2d(torch.relu(y), 1), 1))


class TransposedConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up1 = torch.nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.up2 = torch.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up3 = torch.nn.ConvTranspose2d(4, 6, 3, padding=2, dilation=2)
        self.fc = torch.nn.Linear(6, 10)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.2, 0.2)
            self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.bn(self.up1(x)))
        x = self.up3(torch.relu(self.up2(x)))
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class PaddedAvgPool(torch.nn.Module):
    """Average pooling with padding that is neither TFLite's SAME nor VALID (padding left out of the count)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.pool = torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.fc = torch.nn.Linear(4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class FlattenedFeatures(torch.nn.Module):
    """A classifier head on a flattened feature map (Flatten of [N, 4, 8, 8], then Gemm), as small
    CNNs written by hand have it."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


class WideInput(torch.nn.Module):
    """Big images, little compute: the model a data-loading test trains."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 8, stride=8)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1))


def save_torch(module, name, out_dir, size, opset):
    """Exports `module` (batch norm kept as BatchNormalization) with a seeded input NAME.input.npy."""
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((2, 3, size, size), dtype=np.float32))
    np.save(os.path.join(out_dir, f"{name}.input.npy"), x.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), x, os.path.join(out_dir, f"{name}.onnx"), opset_version=opset,
                          input_names=["input"], output_names=["y"], dynamic_axes={"input": {0: "n"}, "y": {0: "n"}},
                          training=torch.onnx.TrainingMode.PRESERVE)


def conv_weight(name, dims):
    data = np.random.default_rng(2).standard_normal(dims).astype(np.float32)
    return helper.make_tensor(name, TensorProto.FLOAT, dims, data.tobytes(), raw=True)


def save(model, out_dir, name):
    with open(os.path.join(out_dir, name), "wb") as f:  # not onnx.save: that one checks the model
        f.write(model.SerializeToString())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_small_models.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    save_torch(SpelledHardSwish(), "hardswish_spelled", out_dir, 8, 11)
    torch.manual_seed(0)
    save_torch(ConstantArithmetic(), "constant_arithmetic", out_dir, 16, 13)
    torch.manual_seed(0)
    save_torch(GroupedConv(), "grouped_conv", out_dir, 16, 9)
    torch.manual_seed(0)
    save_torch(ResizeModes(True), "resize_modes", out_dir, 16, 13)
    torch.manual_seed(0)
    save_torch(TransposedConv(), "transposed_conv", out_dir, 16, 11)
    torch.manual_seed(0)
    save_torch(PaddedAvgPool(), "padded_avgpool", out_dir, 16, 13)
    torch.manual_seed(0)
    save_torch(FlattenedFeatures(), "flattened_features", out_dir, 16, 13)
    for opset, name in ((9, "upsample_opset9"), (10, "resize_opset10")):
        torch.manual_seed(0)
        save_torch(ResizeModes(False), name, out_dir, 16, opset)
    torch.manual_seed(0)
    save_torch(WideInput(), "wide_input_224", out_dir, 224, 13)

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    opset = [helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)]

    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Erf", ["c"], ["e"], name="erf"),
             helper.make_node("Relu", ["e"], ["r"], name="relu_after_erf"),
             helper.make_node("FancyNorm", ["r"], ["y"], name="fancy", domain="com.example")]
    graph = helper.make_graph(nodes, "unsupported", [x], [y], [conv_weight("w", [4, 3, 3, 3])])
    save(helper.make_model(graph, opset_imports=opset), out_dir, "unsupported_ops.onnx")

    # Transposed convolutions qforge refuses: auto_pad, output_padding past the end pad, cubic Resize.
    nodes = [helper.make_node("ConvTranspose", ["x", "wt"], ["a"], name="same_upper", auto_pad="SAME_UPPER",
                              strides=[2, 2]),
             helper.make_node("ConvTranspose", ["x", "wt"], ["b"], name="past_pad", strides=[2, 2],
                              output_padding=[1, 1]),
             helper.make_node("Resize", ["x", "", "scales"], ["c"], name="cubic", mode="cubic"),
             helper.make_node("Add", ["a", "b"], ["y"], name="sum")]
    scales = helper.make_tensor("scales", TensorProto.FLOAT, [4], [1.0, 1.0, 2.0, 2.0])
    graph = helper.make_graph(nodes, "unsupported_resampling", [x], [y], [conv_weight("wt", [3, 4, 3, 3]), scales])
    save(helper.make_model(graph, opset_imports=opset[:1]), out_dir, "unsupported_resampling.onnx")

    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="add"),
             helper.make_node("Relu", ["a"], ["b"], name="relu"),
             helper.make_node("Relu", ["a"], ["y"], name="out")]
    graph = helper.make_graph(nodes, "cyclic", [x], [y])
    save(helper.make_model(graph, opset_imports=opset[:1]), out_dir, "cyclic.onnx")

    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3])
    short.raw_data = np.zeros(4 * 3 * 3 * 3 - 5, np.float32).tobytes()
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    graph = helper.make_graph(nodes, "bad_initializer", [x], [y], [short])
    save(helper.make_model(graph, opset_imports=opset[:1]), out_dir, "bad_initializer.onnx")

    xd = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "height", "width"])
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    graph = helper.make_graph(nodes, "dynamic", [xd], [y], [conv_weight("w", [4, 3, 3, 3])])
    save(helper.make_model(graph, opset_imports=opset[:1]), out_dir, "dynamic_spatial.onnx")
    print(f"wrote the small test models to {out_dir}")


if __name__ == "__main__":
    main()
