// Datasets from NumPy arrays: an .npz with x_train (images), y_train (labels), x_test, y_test
// (Keras's naming; labels optional: unlabelled images serve calibration), or one .npy of
// unlabelled images. Images are N x H x W (gray), N x C x H x W or N x H x W x C (C in 1..4,
// told apart by which axis is small, or by `layout`), uint8 (pixels) or float (values taken as
// they are, finite); labels any integer type, one per image, 0 <= label < 65536. Class names
// are the label numbers.
#pragma once

#include <string>

#include "core/status.h"
#include "data/dataset.h"
#include "data/npy.h"

namespace qforge {

enum class ArrayLayout { kAuto, kNchw, kNhwc };

bool IsArrayPath(const std::string& path);  // .npz or .npy
// The arrays of a dataset (x_train required; the others may be null), checked as above. `what`
// names them in errors. Without x_test the test split is empty.
struct DatasetArrays {
  const NpyArray *x_train = nullptr, *y_train = nullptr, *x_test = nullptr, *y_test = nullptr;
};
StatusOr<TrainTestData> DatasetFromArrays(const DatasetArrays& arrays, ArrayLayout layout, const std::string& what);

StatusOr<TrainTestData> LoadArrayDataset(const std::string& path, ArrayLayout layout = ArrayLayout::kAuto);

// What an images array of this shape and type holds, checked as above (for readers that take
// its examples one by one: data/npy_shards.h).
struct ArrayImages {
  int64_t count = 0, channels = 1, height = 0, width = 0;
  bool channels_last = false;  // N x H x W x C in the file
  bool floating = false;
};
StatusOr<ArrayImages> ArrayImageLayout(const Shape& shape, NpyType type, ArrayLayout layout, const std::string& what);
// Labels from an integer array, one per image of `d`, 0 <= label < 65536.
Status AddLabels(const NpyArray& y, ImageDataset* d, const std::string& what);
// Both splits get the class count and names ("0", "1", ...) of all their labels together.
void NameClasses(TrainTestData* data);

}  // namespace qforge
