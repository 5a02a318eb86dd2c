// The communicator of a one-process job, and a build without MPI (this test links the no-MPI
// variant whatever the build has): collectives are identities, and asking for a distributed
// job is a clear error.
#include <gtest/gtest.h>

#include "distributed/communicator.h"

namespace qforge::distributed {
namespace {

TEST(Communicator, OneProcessJobHasIdentityCollectives) {
  auto comm = StartCommunicator({});
  ASSERT_TRUE(comm.ok()) << comm.status().ToString();
  Communicator& c = **comm;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  EXPECT_TRUE(c.is_root());
  double d[2] = {1.5, -2};
  float f[2] = {3, 4};
  c.Sum(d, 2);
  c.Sum(f, 2);
  c.Min(f, 2);
  c.StartSum(f, 2);
  c.FinishAll();
  EXPECT_EQ(d[0], 1.5);
  EXPECT_EQ(d[1], -2);
  EXPECT_EQ(f[0], 3);
  EXPECT_EQ(f[1], 4);
}

TEST(Communicator, WithoutMpiADistributedJobIsAnError) {
  ASSERT_FALSE(BuiltWithMpi());
  auto comm = StartCommunicator({.distributed = true});
  ASSERT_FALSE(comm.ok());
  EXPECT_NE(comm.status().message().find("built without MPI"), std::string::npos) << comm.status().ToString();
}

TEST(Communicator, RejectsANonPositiveTimeout) {
  EXPECT_FALSE(StartCommunicator({.timeout_seconds = 0}).ok());
}

}  // namespace
}  // namespace qforge::distributed
