// Registry: built-in entries, adding (the same factory twice is a no-op, another one an error),
// unknown names, the sorted list of names.
#include "core/registry.h"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using Factory = int (*)();
int One() { return 1; }
int Two() { return 2; }

TEST(Registry, AddFindAndNames) {
  Registry<Factory> registry("widget", {{"one", One}});
  ASSERT_TRUE(registry.Find("one").ok());
  EXPECT_EQ((*registry.Find("one"))(), 1);
  const StatusOr<Factory> missing = registry.Find("two");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "unknown widget 'two'");
  EXPECT_TRUE(registry.Add("two", Two).ok());
  EXPECT_TRUE(registry.Add("two", Two).ok());  // again: no-op
  const Status clash = registry.Add("two", One);
  EXPECT_EQ(clash.message(), "widget 'two' is already registered");
  EXPECT_EQ((*registry.Find("two"))(), 2);
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"one", "two"}));
}

}  // namespace
}  // namespace qforge
