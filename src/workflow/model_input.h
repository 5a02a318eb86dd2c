// The image input a model takes (channels, size, the resize its preprocessing asks for), read
// from a checkpoint or a .qfm model, and the check that a split has the labels training and
// evaluation need. Shared by the command line and the Python package.
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"
#include "data/conform.h"
#include "data/dataset.h"
#include "runtime/model/model.h"
#include "train/checkpoint.h"

namespace qforge {

// The image input a model takes: shape {batch, C, H, W} (NCHW) and its preprocessing's resize.
StatusOr<InputSpec> ModelInputSpec(const Shape& nchw, const Preprocess& pre, const std::string& what);
StatusOr<InputSpec> ModelInputSpec(const Checkpoint& ck, const std::string& what);
StatusOr<InputSpec> ModelInputSpec(std::shared_ptr<const runtime::Model> qfm, const std::string& what);

// Errors unless the split has a label for every image (training and evaluation need them).
Status RequireLabels(const ImageDataset& split, const char* purpose);

}  // namespace qforge
