// Image-folder datasets, as torchvision's ImageFolder lays them out: ROOT/train/CLASS/*.png|jpg
// and ROOT/test/CLASS/... (or ROOT/val/...), class names the sorted subfolder names of train.
// A folder that holds images directly (no train/) is unlabelled data, for calibration. Folders
// starting with a dot are not classes; a train class folder without images is an error.
// Every image is fitted to the model's input as it is decoded (data/conform.h). With
// stream_train, the training split's images are only listed, and read from disk as batches need
// them (ImageDataset::source; memory: the file list, not the images); the test split is loaded.
#pragma once

#include <string>

#include "core/status.h"
#include "data/conform.h"
#include "data/dataset.h"

namespace qforge {

StatusOr<TrainTestData> LoadImageFolder(const std::string& root, const InputSpec& spec, bool stream_train = false);

}  // namespace qforge
