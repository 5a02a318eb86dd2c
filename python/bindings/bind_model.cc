// Binds ModelCore (qforge.Model's engine), the zoo, the Fashion-MNIST loader and thread control.
// Option dictionaries cross as JSON text; qforge/models.py builds and reads them.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/arrays.h"
#include "bindings/errors.h"
#include "bindings/model_core.h"
#include "bindings/modules.h"
#include "bindings/threads.h"
#include "quant/qat_export.h"
#include "zoo/zoo.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

// A split's images as NumPy expects them: N x H x W for gray images, N x H x W x C otherwise.
py::array_t<uint8_t> Pixels(const ImageDataset& d) {
  const int64_t hw = d.height * d.width, c = d.channels;
  std::vector<py::ssize_t> shape{d.count, d.height, d.width};
  if (c > 1) shape.push_back(c);
  py::array_t<uint8_t> out(shape);
  uint8_t* dst = out.mutable_data();
  for (int64_t i = 0; i < d.count; ++i)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t k = 0; k < c; ++k) *dst++ = d.pixels[(i * c + k) * hw + p];
  return out;
}

py::tuple FashionMnist(const std::string& dir) {
  const TrainTestData data = ValueOrThrow(LoadFashionMnist(dir.empty() ? kFashionMnistDir : dir));
  auto labels = [](const ImageDataset& d) { return NewArray<int32_t>({d.count}, d.labels.data()); };
  return py::make_tuple(py::make_tuple(Pixels(data.train), labels(data.train)),
                        py::make_tuple(Pixels(data.test), labels(data.test)), data.train.class_names);
}

py::list Layers(const ModelCore& core) {
  const Graph& g = core.run().graph;
  py::list layers;
  for (const Node& n : g.nodes())
    layers.append(py::make_tuple(n.name, std::string(n.op->type()), g.values()[n.output].shape));
  return layers;
}

}  // namespace

void BindModel(py::module_& m) {
  py::class_<ModelCore>(m, "ModelCore", "The engine of qforge.Model (use qforge.Model).")
      .def_static("from_zoo", &ModelCore::FromZoo, py::arg("name"), py::arg("seed"))
      .def_static("load", &ModelCore::Load, py::arg("path"))
      .def("copy", &ModelCore::Copy)
      .def("save", &ModelCore::Save, py::arg("path"))
      .def("fit",
           [](ModelCore& c, const py::object& x, const py::object& y, const py::object& x_val, const py::object& y_val,
              const std::string& options, const py::object& progress) {
             return c.Fit(x, y, x_val, y_val, ParseOptions(options, "fit options"), progress).dump();
           })
      .def("evaluate", [](ModelCore& c, const py::object& x, const py::object& y, int64_t batch,
                          const std::string& layout) { return c.Evaluate(x, y, batch, layout).dump(); })
      .def("predict", &ModelCore::Predict)
      .def("set_pruning", [](ModelCore& c, const std::string& o) { c.SetPruning(ParseOptions(o, "pruning options")); })
      .def("set_clustering",
           [](ModelCore& c, const std::string& o) { c.SetClustering(ParseOptions(o, "clustering options")); })
      .def("weight_report", [](const ModelCore& c) { return c.WeightReport().dump(); })
      .def_property_readonly("name", [](const ModelCore& c) { return c.run().meta.model_name; })
      .def_property("class_names", [](const ModelCore& c) { return c.run().meta.class_names; },
                    [](ModelCore& c, const std::vector<std::string>& names) { c.run().meta.class_names = names; })
      .def_property(
          "preprocess", [](const ModelCore& c) { return c.run().meta.preprocess.ToJson().dump(); },
          [](ModelCore& c, const std::string& text) {
            const Preprocess p = ValueOrThrow(Preprocess::FromJson(ParseOptions(text, "preprocessing")));
            const Shape& input = c.run().graph.values()[c.run().graph.inputs().at(0)].shape;
            if (input.size() == 4) ThrowIfError(p.CheckChannels(input[1]));
            c.run().meta.preprocess = p;
            c.set_fresh(false);
          })
      .def_property_readonly("fresh", &ModelCore::fresh)
      .def_property_readonly("input_shape",
                             [](const ModelCore& c) { return c.run().graph.values()[c.run().graph.inputs().at(0)].shape; })
      .def_property_readonly("output_shape",
                             [](const ModelCore& c) { return c.run().graph.values()[c.run().graph.outputs().at(0)].shape; })
      .def_property_readonly("num_weights", [](const ModelCore& c) { return c.run().graph.NumTrainableWeights(); })
      .def_property_readonly("is_qat", [](const ModelCore& c) { return quant::IsQatGraph(c.run().graph); })
      .def_property_readonly("train_state", [](const ModelCore& c) { return c.run().meta.train_state.dump(); })
      .def_property_readonly("recipe",
                             [](const ModelCore& c) {
                               const Recipe& r = c.recipe();
                               return nlohmann::json{{"epochs", r.epochs}, {"batch_size", r.batch},
                                                     {"optimizer", r.optimizer}, {"lr", r.lr},
                                                     {"weight_decay", r.weight_decay}, {"schedule", r.schedule},
                                                     {"warmup", r.warmup_steps}}
                                   .dump();
                             })
      .def("layers", &Layers)
      .def("summary", [](const ModelCore& c) { return c.run().graph.Summary(); });

  m.def("zoo_models", [] {
    std::vector<std::pair<std::string, std::string>> models;
    for (const ZooModel& z : ZooModels()) models.emplace_back(z.name, z.description);
    return models;
  });
  m.def("fashion_mnist", &FashionMnist, py::arg("dir") = "",
        "((x_train, y_train), (x_test, y_test), class_names) from the dataset-fashion-mnist files.");
  m.def("set_num_threads", &RequestThreads, py::arg("n"), "Threads of training and evaluation (<= 0: all cores).");
  m.def("num_threads", &RequestedThreads);
}

}  // namespace qforge::python
