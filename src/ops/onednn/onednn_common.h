// Shared oneDNN plumbing: one CPU engine and stream per process, and helpers to wrap our
// plain NCHW float buffers as oneDNN memory without copying.
#pragma once

#include <dnnl.hpp>

namespace qforge::onednn {

dnnl::engine& Engine();
dnnl::stream& Stream();

inline dnnl::memory Wrap(const dnnl::memory::desc& md, const float* data) {
  return dnnl::memory(md, Engine(), const_cast<float*>(data));
}

inline dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims, dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag);
}

}  // namespace qforge::onednn
