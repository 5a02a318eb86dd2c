// Commands across processes: started by `mpirun -np N qforge train ...` (or with --distributed),
// each rank of `train` trains on its shard of every global batch of N x --batch examples; each
// rank of `quantize` calibrates on its share of the samples. The flags (--distributed,
// --comm-timeout, --rank-files; for training --sync-bn, --bucket-mb), the job's communicator,
// and where each rank's output goes (rank 0 alone prints and writes).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "distributed/communicator.h"
#include "graph/graph.h"
#include "train/trainer.h"

namespace qforge::cli {

struct DistributedFlags {
  bool distributed = false;
  bool sync_bn = true;       // false: batch norms frozen (running statistics) instead
  double timeout_seconds = 300;
  double bucket_mb = 25;
  bool rank_files = false;   // ranks > 0 write their output files too, suffixed .rankK

  // `training`: the training flags too.
  void Register(CLI::App& cmd, bool training);
  // Starts the job's communicator and, unless --threads was given, shares this machine's
  // cores among its ranks.
  StatusOr<std::unique_ptr<distributed::Communicator>> Start(int threads_flag) const;
  // Applies the job to the training options (the communicator, the bucket size) and, for
  // --sync-bn=false in a multi-rank job, freezes the graph's batch norms.
  void Apply(distributed::Communicator& comm, Graph& graph, TrainOptions& options) const;
  // The file this rank writes in place of `path` ("" when it writes none): rank 0 the path itself,
  // the others NAME.rankK.EXT with --rank-files.
  std::string RankFile(const distributed::Communicator& comm, const std::string& path) const;
  // Starts the job (Start) and runs `work` on this rank; a rank whose work fails stops every
  // rank (the others would wait for it).
  Status RunOnRank(int threads_flag, const std::function<Status(distributed::Communicator&)>& work) const;
};

// Where a rank's messages go: `stream` on rank 0, nowhere on the others.
std::FILE* RankStream(const distributed::Communicator& comm, std::FILE* stream);

}  // namespace qforge::cli
