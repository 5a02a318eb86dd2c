// Data-parallel training flags and the per-rank output rules.
#include "cli/distributed_flags.h"

#include <algorithm>
#include <filesystem>

#include "core/threading.h"
#include "quant/qat.h"

namespace qforge::cli {

void DistributedFlags::Register(CLI::App& cmd, bool training) {
  cmd.add_flag("--distributed", distributed,
               training ? "train across the processes of an MPI job (implied under mpirun; --batch is each rank's share)"
                        : "calibrate across the processes of an MPI job (implied under mpirun; each rank runs its "
                          "share of the samples)");
  cmd.add_option("--comm-timeout", timeout_seconds,
                 "across processes: seconds to wait for the other ranks before stopping the job with an error")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  cmd.add_flag("--rank-files", rank_files,
               "across processes: every rank writes its output files, ranks > 0 as NAME.rankK.EXT, to compare them");
  if (!training) return;
  cmd.add_option("--sync-bn", sync_bn,
                 "across processes: batch-norm statistics of the global batch (true), or batch norms frozen "
                 "(false, for fine-tuning)")
      ->capture_default_str();
  cmd.add_option("--bucket-mb", bucket_mb, "across processes: gradient all-reduce bucket size in MB")
      ->check(CLI::Range(0.001, 4096.0))
      ->capture_default_str();
}

StatusOr<std::unique_ptr<distributed::Communicator>> DistributedFlags::Start(int threads_flag) const {
  QF_ASSIGN_OR_RETURN(std::unique_ptr<distributed::Communicator> comm,
                      distributed::StartCommunicator({.distributed = distributed, .timeout_seconds = timeout_seconds}));
  if (threads_flag == 0 && comm->local_size() > 1) SetNumThreads(std::max(1, AllCores() / comm->local_size()));
  return comm;
}

void DistributedFlags::Apply(distributed::Communicator& comm, Graph& graph, TrainOptions& options) const {
  options.comm = &comm;
  options.bucket_bytes = std::max<int64_t>(1, static_cast<int64_t>(bucket_mb * (1 << 20)));
  if (comm.size() > 1 && !sync_bn) quant::FreezeBatchNorm(graph);
}

std::string DistributedFlags::RankFile(const distributed::Communicator& comm, const std::string& path) const {
  if (comm.is_root()) return path;
  if (!rank_files || path.empty()) return "";
  std::filesystem::path p(path);
  const std::string ext = p.extension().string();
  return p.replace_extension(".rank" + std::to_string(comm.rank()) + ext).string();
}

Status DistributedFlags::RunOnRank(int threads_flag,
                                   const std::function<Status(distributed::Communicator&)>& work) const {
  QF_ASSIGN_OR_RETURN(std::unique_ptr<distributed::Communicator> comm, Start(threads_flag));
  const Status status = work(*comm);
  if (!status.ok() && comm->size() > 1) comm->Abort(status.message());
  return status;
}

std::FILE* RankStream(const distributed::Communicator& comm, std::FILE* stream) {
  static std::FILE* const nowhere = std::fopen("/dev/null", "w");
  return comm.is_root() || !nowhere ? stream : nowhere;
}

}  // namespace qforge::cli
