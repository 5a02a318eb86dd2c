// qforge training API: build a model (GraphBuilder or the zoo), load data, train, evaluate,
// checkpoint. One include for applications; see docs/training.md.
#pragma once

#include "core/status.h"       // IWYU pragma: export
#include "core/tensor.h"       // IWYU pragma: export
#include "core/threading.h"    // IWYU pragma: export
#include "data/dataset.h"      // IWYU pragma: export
#include "graph/builder.h"     // IWYU pragma: export
#include "train/checkpoint.h"  // IWYU pragma: export
#include "train/executor.h"    // IWYU pragma: export
#include "train/trainer.h"     // IWYU pragma: export
#include "zoo/zoo.h"           // IWYU pragma: export
