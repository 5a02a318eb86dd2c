// The float models commands read: a qforge checkpoint (.ckpt) or an ONNX file (.onnx), imported
// on the fly exactly as `qforge import` would.
#pragma once

#include <string>

#include "train/checkpoint.h"

namespace qforge::cli {

StatusOr<Checkpoint> LoadModelFile(const std::string& path);

}  // namespace qforge::cli
