// The custom-model example of docs/training.md, compiled and run: a user-defined branching
// model built with GraphBuilder through <qforge/train.h>, trained and checkpointed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <qforge/train.h>

#include "quadrants.h"

namespace {

TEST(ApiExample, CustomModelTrainsAndCheckpoints) {
  // --- begin docs example ---
  qforge::GraphBuilder b(/*seed=*/42);
  int x = b.Input("image", {1, 28, 28});
  x = b.Relu(b.BatchNorm(b.Conv2D(x, 8, 3, {.stride = 2, .padding = qforge::Padding::kSame, .bias = false})));
  int left = b.Conv2D(x, 8, 3, {.padding = qforge::Padding::kSame});
  int right = b.Conv2D(x, 8, 1);
  x = b.Relu(b.Add(left, right));
  x = b.Dense(b.Flatten(b.MaxPool(x, 2)), 4);
  qforge::StatusOr<qforge::Graph> graph = b.Finish({x});
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();

  qforge::TrainTestData data{qforge::testing::Quadrants(512, 1), qforge::testing::Quadrants(128, 2)};
  qforge::Checkpoint run;
  run.graph = std::move(graph).value();
  run.meta.model_name = "quadrants";
  run.meta.preprocess = qforge::ComputeNormalization(data.train);
  run.meta.class_names = data.train.class_names;

  qforge::TrainOptions options;
  options.epochs = 3;
  options.batch = 32;
  options.optimizer.type = "adam";
  options.schedule.base_lr = 3e-3f;
  options.schedule.type = "cosine";
  const auto path = std::filesystem::temp_directory_path() / ("qforge_api_" + std::to_string(getpid()) + ".ckpt");
  options.checkpoint_path = path.string();
  auto history = qforge::Train(run, data, options, /*progress=*/nullptr);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  // --- end docs example ---
  EXPECT_GT(history->back().test_accuracy, 0.95);
  auto loaded = qforge::LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->meta.class_names[3], "bottom-right");
  std::filesystem::remove(path);
}

}  // namespace
