"""Layers for users' own models, sequential or functional (Keras's two shapes):

    model = qforge.layers.Sequential([
        qforge.layers.Input((1, 28, 28)),
        qforge.layers.Conv2D(16, 3, padding="same"), qforge.layers.BatchNorm(), qforge.layers.ReLU(),
        qforge.layers.MaxPool2D(2), qforge.layers.Flatten(), qforge.layers.Dense(10)], name="small")

    x = qforge.layers.Input((1, 28, 28))
    y = qforge.layers.ReLU()(qforge.layers.Conv2D(8, 3)(x))
    model = qforge.layers.Model(x, qforge.layers.Dense(10)(qforge.layers.Flatten()(y)), name="tiny")

Images are channels-first (C, H, W). Weights are drawn from ``seed`` when the model is made;
nodes are named as qforge names them ("conv1", "bn1", ...), the names annotations refer to.
"""
from . import _qforge
from ._checks import check_choice, check_int, check_number
from .models import Model as _Model


class Tensor:
    """A symbolic value: an Input, or a layer applied to values."""

    def __init__(self, layer, inputs):
        self.layer, self.inputs = layer, inputs

    def __repr__(self):
        return f"<qforge.layers.Tensor of {type(self.layer).__name__}>"


class Layer:
    """A layer: call it on Tensors (functional) or list it in a Sequential."""
    arity = 1

    def __call__(self, *inputs):
        if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
            inputs = tuple(inputs[0])
        if not all(isinstance(t, Tensor) for t in inputs):
            raise _qforge.InvalidArgumentError(f"{type(self).__name__} is applied to qforge.layers Tensors")
        if self.arity is not None and len(inputs) != self.arity:
            raise _qforge.InvalidArgumentError(f"{type(self).__name__} takes {self.arity} input(s), not {len(inputs)}")
        return Tensor(self, inputs)

    def build(self, b, ids):
        raise NotImplementedError


def Input(shape):
    """The model input: (C, H, W) of one image."""
    shape = tuple(shape)
    if len(shape) != 3:
        raise _qforge.InvalidArgumentError(f"Input takes an image shape (C, H, W), not {shape}")
    for d in shape:
        check_int("Input shape entry", d, 1, 1 << 14)
    layer = _InputLayer(shape)
    return Tensor(layer, ())


class _InputLayer(Layer):
    arity = 0

    def __init__(self, shape):
        self.shape = shape

    def build(self, b, ids):
        return b.input("image", list(self.shape))


def _padding(p):
    return check_choice("padding", p, ("valid", "same"))


class Conv2D(Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation=1, groups=1, use_bias=True):
        self.args = (check_int("filters", filters, 1, 1 << 16), check_int("kernel_size", kernel_size, 1, 1 << 10),
                     check_int("strides", strides, 1, 1 << 10), _padding(padding), check_int("dilation", dilation, 1, 1 << 10),
                     check_int("groups", groups, 1, 1 << 16), bool(use_bias))

    def build(self, b, ids):
        return b.conv2d(ids[0], *self.args)


class DepthwiseConv2D(Layer):
    def __init__(self, kernel_size, strides=1, padding="valid", dilation=1, use_bias=True):
        self.args = (check_int("kernel_size", kernel_size, 1, 1 << 10), check_int("strides", strides, 1, 1 << 10), _padding(padding),
                     check_int("dilation", dilation, 1, 1 << 10), bool(use_bias))

    def build(self, b, ids):
        return b.depthwise_conv2d(ids[0], *self.args)


class Dense(Layer):
    def __init__(self, units, use_bias=True):
        self.args = (check_int("units", units, 1, 1 << 20), bool(use_bias))

    def build(self, b, ids):
        return b.dense(ids[0], *self.args)


class BatchNorm(Layer):
    def __init__(self, epsilon=1e-5, momentum=0.1):
        self.args = (check_number("epsilon", epsilon), check_number("momentum", momentum))

    def build(self, b, ids):
        return b.batch_norm(ids[0], *self.args)


def _unary(name, method, doc):
    def build(self, b, ids):
        return getattr(b, method)(ids[0])
    return type(name, (Layer,), {"build": build, "__doc__": doc})


ReLU = _unary("ReLU", "relu", "max(x, 0)")
ReLU6 = _unary("ReLU6", "relu6", "min(max(x, 0), 6)")
HardSwish = _unary("HardSwish", "hard_swish", "x * relu6(x + 3) / 6")
HardSigmoid = _unary("HardSigmoid", "hard_sigmoid", "relu6(x + 3) / 6")
Sigmoid = _unary("Sigmoid", "sigmoid", "1 / (1 + exp(-x))")
SiLU = _unary("SiLU", "silu", "x * sigmoid(x)")
Softmax = _unary("Softmax", "softmax", "probabilities over the classes (training takes the logits before it)")
GlobalAvgPool2D = _unary("GlobalAvgPool2D", "global_avg_pool", "mean over height and width")
Flatten = _unary("Flatten", "flatten", "N x C x H x W to N x (C*H*W)")


class MaxPool2D(Layer):
    def __init__(self, pool_size, strides=None, padding="valid"):
        self.args = (check_int("pool_size", pool_size, 1, 1 << 10), 0 if strides is None else check_int("strides", strides, 1, 1 << 10),
                     _padding(padding))

    def build(self, b, ids):
        return b.max_pool(ids[0], *self.args)


class AvgPool2D(MaxPool2D):
    def build(self, b, ids):
        return b.avg_pool(ids[0], *self.args)


class Add(Layer):
    arity = 2

    def build(self, b, ids):
        return b.add(*ids)


class Multiply(Layer):
    """a * b, b of a's shape or a per-channel gate (N, C, 1, 1)."""
    arity = 2

    def build(self, b, ids):
        return b.mul(*ids)


class Concatenate(Layer):
    """Joins inputs along the channels."""
    arity = None

    def build(self, b, ids):
        return b.concat(list(ids))


class ChannelShuffle(Layer):
    def __init__(self, groups):
        self.groups = check_int("groups", groups, 1, 1 << 16)

    def build(self, b, ids):
        return b.channel_shuffle(ids[0], self.groups)


class Reshape(Layer):
    def __init__(self, shape):
        self.shape = [check_int("Reshape shape entry", d, 1, 1 << 24) for d in shape]

    def build(self, b, ids):
        return b.reshape(ids[0], self.shape)


class Dropout(Layer):
    def __init__(self, rate):
        self.rate = check_number("rate", rate)

    def build(self, b, ids):
        return b.dropout(ids[0], self.rate)


def Model(inputs, outputs, name, seed=1):
    """A model from an Input and the Tensor its layers make of it (functional form)."""
    if not isinstance(inputs, Tensor) or not isinstance(inputs.layer, _InputLayer):
        raise _qforge.InvalidArgumentError("inputs must be one qforge.layers.Input")
    if not isinstance(outputs, Tensor):
        raise _qforge.InvalidArgumentError("outputs must be the Tensor the last layer returned")
    if not isinstance(name, str) or not name:
        raise _qforge.InvalidArgumentError("a model needs a name (a non-empty string)")
    b = _qforge.GraphBuilder(check_int("seed", seed, 0))
    ids = {}

    def value(t):  # depth-first, each Tensor once: layers build in dependency order
        if id(t) not in ids:
            if isinstance(t.layer, _InputLayer) and t is not inputs:
                raise _qforge.InvalidArgumentError("the outputs depend on an Input other than `inputs`")
            ids[id(t)] = t.layer.build(b, [value(i) for i in t.inputs])
        return ids[id(t)]

    return _Model(b.finish([value(outputs)], name))


def Sequential(layers, name, seed=1):
    """A model from a list of layers, each applied to the previous one's output; the first is an Input."""
    layers = list(layers)
    if not layers or not isinstance(layers[0], Tensor) or not isinstance(layers[0].layer, _InputLayer):
        raise _qforge.InvalidArgumentError("a Sequential model starts with qforge.layers.Input(shape)")
    x = layers[0]
    for layer in layers[1:]:
        if not isinstance(layer, Layer):
            raise _qforge.InvalidArgumentError(f"Sequential takes layers, not {type(layer).__name__}")
        x = layer(x)
    return Model(layers[0], x, name, seed)
