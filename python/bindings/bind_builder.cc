// Binds GraphBuilder for qforge.layers: each layer call adds a node and returns its value id;
// the first error is kept and raised by finish(), naming the layer.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/errors.h"
#include "bindings/model_core.h"
#include "bindings/modules.h"
#include "graph/builder.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

Padding ParsePadding(const std::string& padding) {
  if (padding == "valid") return Padding::kValid;
  if (padding == "same") return Padding::kSame;
  ThrowInvalid("padding must be 'valid' or 'same', not '{}'", padding);
}

ConvOptions Conv(int64_t stride, const std::string& padding, int64_t dilation, int64_t groups, bool bias) {
  ConvOptions o;
  o.stride = stride;
  o.padding = ParsePadding(padding);
  o.dilation = dilation;
  o.groups = groups;
  o.bias = bias;
  return o;
}

PoolOptions Pool(int64_t stride, const std::string& padding) {
  PoolOptions o;
  o.stride = stride;
  o.padding = ParsePadding(padding);
  return o;
}

// A model from the builder's graph: a fresh run (preprocessing fixed by its first fit).
std::unique_ptr<ModelCore> Finish(GraphBuilder& b, const std::vector<int>& outputs, const std::string& name) {
  if (name.empty()) ThrowInvalid("a model needs a name");
  Checkpoint run;
  run.graph = ValueOrThrow(b.Finish(outputs));
  run.meta.model_name = name;
  return std::make_unique<ModelCore>(std::move(run), /*fresh=*/true);
}

}  // namespace

void BindBuilder(py::module_& m) {
  using B = GraphBuilder;
  py::class_<B>(m, "GraphBuilder", "Layer-by-layer graph construction (use qforge.layers).")
      .def(py::init<uint64_t>(), py::arg("seed"))
      .def("input", &B::Input)
      .def("conv2d", [](B& b, int x, int64_t filters, int64_t kernel, int64_t stride, const std::string& padding,
                        int64_t dilation, int64_t groups, bool bias) {
        return b.Conv2D(x, filters, kernel, Conv(stride, padding, dilation, groups, bias));
      })
      .def("depthwise_conv2d", [](B& b, int x, int64_t kernel, int64_t stride, const std::string& padding,
                                  int64_t dilation, bool bias) {
        return b.DepthwiseConv2D(x, kernel, Conv(stride, padding, dilation, 1, bias));
      })
      .def("dense", &B::Dense)
      .def("batch_norm", &B::BatchNorm)
      .def("relu", &B::Relu)
      .def("relu6", &B::Relu6)
      .def("hard_swish", &B::HardSwish)
      .def("hard_sigmoid", &B::HardSigmoid)
      .def("sigmoid", &B::Sigmoid)
      .def("silu", &B::Silu)
      .def("softmax", &B::Softmax)
      .def("max_pool", [](B& b, int x, int64_t k, int64_t stride, const std::string& padding) {
        return b.MaxPool(x, k, Pool(stride, padding));
      })
      .def("avg_pool", [](B& b, int x, int64_t k, int64_t stride, const std::string& padding) {
        return b.AvgPool(x, k, Pool(stride, padding));
      })
      .def("global_avg_pool", &B::GlobalAvgPool)
      .def("add", &B::Add)
      .def("mul", &B::Mul)
      .def("channel_shuffle", &B::ChannelShuffle)
      .def("concat", &B::Concat)
      .def("flatten", &B::Flatten)
      .def("reshape", &B::Reshape)
      .def("dropout", &B::Dropout)
      .def("finish", &Finish, py::arg("outputs"), py::arg("name"));
}

}  // namespace qforge::python
