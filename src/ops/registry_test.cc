// The op registry: attributes round-trip through CreateOp; bad types and attributes fail.
#include <gtest/gtest.h>

#include "ops/conv2d.h"
#include "ops/op_test_harness.h"
#include "ops/pooling.h"

namespace qforge::testing {
namespace {

TEST(Registry, AttributesRoundTripAndBadInputFails) {
  for (const std::string& type : RegisteredOpTypes()) {
    nlohmann::json attrs = nlohmann::json::object();
    if (type == "Conv2D") attrs = ConvAttrs(3, 2, {1, 0, 1, 0}, 1, 1);
    if (type == "MaxPool" || type == "AvgPool") attrs = PoolAttrs(3, 2, {1, 1, 1, 1});
    if (type == "Reshape") attrs = {{"shape", {4, -1}}};
    if (type == "ChannelShuffle") attrs = {{"groups", 2}};
    if (type == "Clip") attrs = {{"min", -1.0}, {"max", 2.0}};
    if (type == "SliceChannels") attrs = {{"begin", 1}, {"end", 3}};
    if (type == "InsertZeros") attrs = {{"stride", {2, 3}}};
    if (type == "Resize") attrs = {{"mode", "bilinear"}, {"coordinates", "align_corners"}, {"height", 5}, {"width", 7}};
    auto op = MakeOp(type, attrs);
    auto again = MakeOp(type, op->attrs());
    EXPECT_EQ(op->attrs(), again->attrs()) << type;
    EXPECT_EQ(op->type(), type);
  }
  EXPECT_EQ(CreateOp("NoSuchOp", {}).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(CreateOp("BatchNorm", {{"eps", "x"}}).ok());
  EXPECT_FALSE(CreateOp("MaxPool", {{"kernel", {1, 2, 3}}}).ok());
  EXPECT_FALSE(CreateOp("Reshape", {{"shape", {-1, -1}}}).ok());
}

}  // namespace
}  // namespace qforge::testing
