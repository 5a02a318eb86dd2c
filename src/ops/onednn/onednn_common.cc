// Process-wide oneDNN engine and stream.
#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

}  // namespace qforge::onednn
