// Sharded NPY datasets: a folder of x_train*.npy shards, each with its labels in the
// y_train*.npy of the same suffix (x_train-00000.npy + y_train-00000.npy, ...), and optionally
// x_test*.npy / y_test*.npy shards; shards in name order, each an array as data/array_dataset.h
// takes it. Loaded whole (the shards concatenated), or with the training shards streamed: only
// their headers and labels read up front, each example read from its shard (one pread) when a
// batch needs it, so the images need no memory (uint8 shards; float shards load whole).
#pragma once

#include <string>

#include "core/status.h"
#include "data/array_dataset.h"
#include "data/conform.h"
#include "data/dataset.h"

namespace qforge {

bool IsNpyShardFolder(const std::string& dir);  // holds an x_train*.npy file

// stream_train: the training split streamed, its examples fitted to `spec` as they are read
// (the caller fits in-memory splits: ConformDataset).
StatusOr<TrainTestData> LoadNpyShards(const std::string& dir, ArrayLayout layout, const InputSpec& spec,
                                      bool stream_train);

}  // namespace qforge
