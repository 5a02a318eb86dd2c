// The model files the command line and the Python package read: a qforge checkpoint (.ckpt) or
// an ONNX file (.onnx), imported on the fly exactly as `qforge import` would; and .qfm runtime
// models.
#pragma once

#include <memory>
#include <string>

#include "runtime/model/model.h"
#include "train/checkpoint.h"

namespace qforge {

StatusOr<Checkpoint> LoadModelFile(const std::string& path);

// A .qfm file carries the FlatBuffers file identifier "QFM1" at bytes 4..7.
bool IsQfmFile(const std::string& path);

// A .qfm model as it is, or a checkpoint / ONNX file made into one: a QAT checkpoint converted
// (as `qforge convert`), a float one in the float mode (as `qforge quantize --mode float`).
StatusOr<std::shared_ptr<const runtime::Model>> LoadRuntimeModel(const std::string& path, bool int8_io);

}  // namespace qforge
