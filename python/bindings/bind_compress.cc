// Binds compression (qforge.compress): a .qfm model's constant buffers coded (sparse form and
// Huffman, convert/compress.h), checked by loading the result back, with its size by part.
#include <pybind11/pybind11.h>

#include "bindings/errors.h"
#include "bindings/modules.h"
#include "convert/compress.h"
#include "convert/model_bytes.h"
#include "bindings/qfm_source.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

// (coded model bytes, report as JSON text).
py::tuple Compress(const py::object& model, bool sparse, bool huffman) {
  const std::shared_ptr<const runtime::Model> in = LoadQfm(model);
  convert::CodingOptions o;
  o.sparse = sparse;
  o.huffman = huffman;
  convert::CompressResult r;
  nlohmann::json report;
  {
    py::gil_scoped_release released;
    r = ValueOrThrow(convert::CompressQfm(*in, o));
    const std::shared_ptr<const runtime::Model> out =
        ValueOrThrow(runtime::Model::FromBytes(r.bytes.data(), r.bytes.size(), "compressed model"));
    const convert::ModelBytes bytes = convert::MeasureModelBytes(*out);
    report = {{"input_bytes", in->size_bytes()}, {"model_bytes", bytes.total},
              {"compression_ratio", bytes.compression_ratio()}, {"coded_buffers", r.coded_buffers},
              {"bytes_by_part", convert::ToJson(bytes)}};
  }
  return py::make_tuple(py::bytes(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size()), report.dump());
}

}  // namespace

void BindCompression(py::module_& m) {
  m.def("compress", &Compress, py::arg("model"), py::arg("sparse"), py::arg("huffman"));
}

}  // namespace qforge::python
