// Zoo model definitions.
#include "zoo/zoo.h"

#include "graph/builder.h"

namespace qforge {
namespace {

const Shape kImage{1, 28, 28};
constexpr int64_t kClasses = 10;

// LeNet-300-100 (LeCun et al. 1998), the Deep Compression paper's MLP.
StatusOr<Graph> BuildMlp(uint64_t seed) {
  GraphBuilder b(seed);
  int x = b.Flatten(b.Input("image", kImage));
  x = b.Relu(b.Dense(x, 300));
  x = b.Relu(b.Dense(x, 100));
  return b.Finish({b.Dense(x, kClasses)});
}

// LeNet-5 style: two valid 5x5 convolutions with batch norm, max pooling, two dense layers.
StatusOr<Graph> BuildLenet5(uint64_t seed) {
  GraphBuilder b(seed);
  int x = b.Input("image", kImage);
  x = b.MaxPool(b.BatchNormRelu(b.Conv2D(x, 16, 5, {.bias = false})), 2);
  x = b.MaxPool(b.BatchNormRelu(b.Conv2D(x, 32, 5, {.bias = false})), 2);
  x = b.Relu(b.Dense(b.Flatten(x), 128));
  return b.Finish({b.Dense(x, kClasses)});
}

int SameConv(GraphBuilder& b, int x, int64_t filters, int64_t kernel, int64_t stride) {
  return b.Conv2D(x, filters, kernel, {.stride = stride, .padding = Padding::kSame, .bias = false});
}

int ConvBn(GraphBuilder& b, int x, int64_t filters, int64_t kernel, int64_t stride) {
  return b.BatchNorm(SameConv(b, x, filters, kernel, stride));
}

int ConvBnRelu(GraphBuilder& b, int x, int64_t filters, int64_t kernel, int64_t stride) {
  return b.BatchNormRelu(SameConv(b, x, filters, kernel, stride));
}

// A small MobileNet (Howard et al. 2017): depthwise-separable blocks with BN and ReLU6.
StatusOr<Graph> BuildMobilenet(uint64_t seed) {
  GraphBuilder b(seed);
  int x = b.Relu6(ConvBn(b, b.Input("image", kImage), 16, 3, 1));
  const struct { int64_t stride, filters; } blocks[] = {{2, 32}, {1, 32}, {2, 64}, {1, 64}, {1, 128}};
  for (const auto& blk : blocks) {
    x = b.Relu6(b.BatchNorm(b.DepthwiseConv2D(
        x, 3, {.stride = blk.stride, .padding = Padding::kSame, .bias = false})));
    x = b.Relu6(ConvBn(b, x, blk.filters, 1, 1));
  }
  return b.Finish({b.Dense(b.GlobalAvgPool(x), kClasses)});
}

// Basic residual block (He et al. 2016); a strided 1x1 projection when the shape changes.
int ResidualBlock(GraphBuilder& b, int x, int64_t in_filters, int64_t filters, int64_t stride) {
  int y = ConvBnRelu(b, x, filters, 3, stride);
  y = ConvBn(b, y, filters, 3, 1);
  const int skip = stride != 1 || in_filters != filters ? ConvBn(b, x, filters, 1, stride) : x;
  return b.Relu(b.Add(y, skip));
}

// A small ResNet: stem, three stages of one residual block each (16, 32, 64 filters).
StatusOr<Graph> BuildResnet(uint64_t seed) {
  GraphBuilder b(seed);
  int x = ConvBnRelu(b, b.Input("image", kImage), 16, 3, 1);
  x = ResidualBlock(b, x, 16, 16, 1);
  x = ResidualBlock(b, x, 16, 32, 2);
  x = ResidualBlock(b, x, 32, 64, 2);
  return b.Finish({b.Dense(b.GlobalAvgPool(x), kClasses)});
}

}  // namespace

const std::vector<ZooModel>& ZooModels() {
  static const std::vector<ZooModel> models{
      {"mlp", "LeNet-300-100: dense 300-100-10 with ReLU", &BuildMlp,
       {.epochs = 10, .batch = 64, .optimizer = "adam", .lr = 1e-3f}},
      {"lenet5", "conv5x5x16+BN+ReLU, maxpool, conv5x5x32+BN+ReLU, maxpool, dense128, dense10",
       &BuildLenet5, {.epochs = 10, .batch = 64, .optimizer = "adam", .lr = 2e-3f}},
      {"mobilenet", "depthwise-separable blocks with BN+ReLU6, global average pool", &BuildMobilenet,
       {.epochs = 10, .batch = 64, .optimizer = "adam", .lr = 3e-3f}},
      {"resnet", "three residual stages (16/32/64 filters) with Add+ReLU", &BuildResnet,
       {.epochs = 10, .batch = 64, .optimizer = "adam", .lr = 2e-3f}},
  };
  return models;
}

const ZooModel* FindZooModel(const std::string& name) {
  for (const ZooModel& m : ZooModels())
    if (m.name == name) return &m;
  return nullptr;
}

std::string ZooModelNames() {
  std::string s;
  for (const ZooModel& m : ZooModels()) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

}  // namespace qforge
