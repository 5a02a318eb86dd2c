// Dataset flags: resolve the named dataset to the files of its Debian package.
#include "cli/data_flags.h"

namespace qforge::cli {

void DataFlags::Register(CLI::App& cmd) {
  cmd.add_option("--data", name, "dataset name (fashion-mnist)")->check(CLI::IsMember({"fashion-mnist"}));
  cmd.add_option("--data-dir", dir,
                 "folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] files "
                 "(default: the dataset-fashion-mnist package's folder)");
}

StatusOr<TrainTestData> DataFlags::Load() const {
  const std::string folder = dir.empty() ? kFashionMnistDir : dir;
  auto data = LoadFashionMnist(folder);
  if (!data.ok() && dir.empty() && data.status().code() == StatusCode::kNotFound)
    return NotFound("{} (install the Debian package dataset-fashion-mnist, or pass --data-dir)",
                    data.status().message());
  return data;
}

}  // namespace qforge::cli
