// Sharded NPY datasets: find the shards, concatenate them, or stream the training shards.
#include "data/npy_shards.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "data/example_source.h"
#include "data/file_bytes.h"
#include "data/image_decode.h"
#include "data/npy.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

// The suffixes of the folder's PREFIX*.npy files ("-00000.npy", ...), in name order.
StatusOr<std::vector<std::string>> Suffixes(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code entry_error;
    if (name.starts_with(prefix) && name.ends_with(".npy") && it->is_regular_file(entry_error))
      found.push_back(name.substr(prefix.size()));
  }
  if (ec) return NotFound("cannot list {}: {}", dir.string(), ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

// One split's shards: x files, and their y files (none, or one per x file, same suffix).
struct SplitShards {
  std::vector<std::string> x, y;
};

StatusOr<SplitShards> FindShards(const fs::path& dir, const std::string& split) {
  QF_ASSIGN_OR_RETURN(const std::vector<std::string> xs, Suffixes(dir, "x_" + split));
  QF_ASSIGN_OR_RETURN(const std::vector<std::string> ys, Suffixes(dir, "y_" + split));
  if (!ys.empty() && ys != xs)
    return InvalidArgument("{}: the y_{} shards do not pair with the x_{} shards (each x_{}SUFFIX.npy needs "
                           "y_{}SUFFIX.npy)", dir.string(), split, split, split, split);
  SplitShards s;
  for (const std::string& suffix : xs) s.x.push_back((dir / ("x_" + split + suffix)).string());
  for (const std::string& suffix : ys) s.y.push_back((dir / ("y_" + split + suffix)).string());
  return s;
}

// The shards' arrays joined along their first axis; `counts`: each shard's first dimension.
StatusOr<NpyArray> Concatenate(const std::vector<std::string>& files, std::vector<int64_t>* counts) {
  NpyArray all;
  for (const std::string& f : files) {
    QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(f));
    QF_ASSIGN_OR_RETURN(NpyArray a, ParseNpyArray(bytes, f));
    if (a.shape.empty()) return InvalidArgument("{}: a scalar, not an array of examples", f);
    counts->push_back(a.shape[0]);
    if (f == files.front()) {
      all = std::move(a);
      continue;
    }
    if (a.type != all.type || !std::equal(a.shape.begin() + 1, a.shape.end(), all.shape.begin() + 1, all.shape.end()))
      return InvalidArgument("{}: {} {} but {} is {} {}: every shard's examples must have one shape and type", f,
                             NpyTypeName(a.type), ShapeToString(a.shape), files.front(), NpyTypeName(all.type),
                             ShapeToString(all.shape));
    all.shape[0] += a.shape[0];
    all.data.insert(all.data.end(), a.data.begin(), a.data.end());
  }
  return all;
}

Status CheckPairs(const SplitShards& s, const std::vector<int64_t>& x_counts, const std::vector<int64_t>& y_counts) {
  for (size_t i = 0; i < s.y.size(); ++i)
    if (x_counts[i] != y_counts[i])
      return InvalidArgument("{}: {} labels for the {} images of {}", s.y[i], y_counts[i], x_counts[i], s.x[i]);
  return Status::Ok();
}

// A streamed split's examples, read from their shards when a batch needs them.
class NpyShardSource : public ExampleSource {
 public:
  struct Shard {
    std::string path;
    uint64_t data_offset = 0;
    int64_t first = 0;  // index of its first example in the split
    int fd = -1;        // kept open (up to kOpenShards shards), else opened per read
  };
  NpyShardSource(std::vector<Shard> shards, const ArrayImages& images, const InputSpec& spec)
      : shards_(std::move(shards)), images_(images), spec_(spec) {
    if (shards_.size() <= kOpenShards)
      for (Shard& s : shards_) s.fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~NpyShardSource() override {
    for (const Shard& s : shards_)
      if (s.fd >= 0) ::close(s.fd);
  }
  NpyShardSource(const NpyShardSource&) = delete;
  NpyShardSource& operator=(const NpyShardSource&) = delete;

  Status Read(int64_t index, uint8_t* pixels) const override {
    const Shard& shard = *(std::upper_bound(shards_.begin(), shards_.end(), index,
                                            [](int64_t i, const Shard& s) { return i < s.first; }) - 1);
    const int64_t c = images_.channels, hw = images_.height * images_.width, size = c * hw;
    std::vector<uint8_t> raw(static_cast<size_t>(size)), chw;
    QF_RETURN_IF_ERROR(ReadAt(shard, (index - shard.first) * size, raw.data(), size));
    if (images_.channels_last) {
      chw.resize(raw.size());
      Deinterleave(raw.data(), c, hw, hw, chw.data());
      raw.swap(chw);
    }
    return FitPixels(raw.data(), c, images_.height, images_.width, spec_, shard.path, pixels);
  }

 private:
  // Shards kept open for the whole run: an example is then one pread (below the usual limit of
  // 1024 open files per process, with room to spare).
  static constexpr size_t kOpenShards = 256;

  static Status ReadAt(const Shard& shard, int64_t offset, uint8_t* out, int64_t size) {
    const int fd = shard.fd >= 0 ? shard.fd : ::open(shard.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NotFound("{}: cannot open ({})", shard.path, std::strerror(errno));
    int64_t done = 0;
    while (done < size) {
      const ssize_t n = ::pread(fd, out + done, static_cast<size_t>(size - done),
                                static_cast<off_t>(shard.data_offset + offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += n;
    }
    if (fd != shard.fd) ::close(fd);
    if (done != size) return DataLoss("{}: cut short (changed since the run started?)", shard.path);
    return Status::Ok();
  }

  std::vector<Shard> shards_;
  ArrayImages images_;
  InputSpec spec_;
};

// The training split streamed: each shard's header checked, the labels read.
StatusOr<ImageDataset> StreamedSplit(const SplitShards& s, const std::optional<NpyArray>& y,
                                     const std::vector<int64_t>& y_counts, ArrayLayout layout,
                                     const InputSpec& spec, const std::string& dir) {
  std::vector<NpyShardSource::Shard> shards;
  std::vector<int64_t> x_counts;
  ArrayImages first;
  int64_t total = 0;
  for (const std::string& f : s.x) {
    QF_ASSIGN_OR_RETURN(const NpyHeader h, ReadNpyHeader(f));
    Shape one = h.shape;  // an empty shard (as loaded whole, it adds nothing) still has a layout
    if (!one.empty() && one[0] == 0) one[0] = 1;
    QF_ASSIGN_OR_RETURN(ArrayImages a, ArrayImageLayout(one, h.type, layout, f));
    a.count = h.shape[0];
    if (a.floating)
      return InvalidArgument("{}: streamed shards hold uint8 pixels, not {} (float shards load in memory: leave out "
                             "--stream)", f, NpyTypeName(h.type));
    if (f == s.x.front()) first = a;
    if (a.channels != first.channels || a.height != first.height || a.width != first.width ||
        a.channels_last != first.channels_last)
      return InvalidArgument("{}: shape {} differs from {}'s images: every shard's examples must have one shape", f,
                             ShapeToString(h.shape), s.x.front());
    if (a.count > 0) shards.push_back({f, h.data_offset, total});
    x_counts.push_back(a.count);
    total += a.count;
  }
  QF_RETURN_IF_ERROR(CheckPairs(s, x_counts, y_counts));
  if (total == 0) return InvalidArgument("{}: the x_train shards hold no images", dir);
  ImageDataset d;
  d.count = total;
  d.channels = spec.channels;
  d.height = spec.height;
  d.width = spec.width;
  d.source = std::make_shared<NpyShardSource>(std::move(shards), first, spec);
  if (y) QF_RETURN_IF_ERROR(AddLabels(*y, &d, dir + ": y_train"));
  // The first example read now: a shard the model cannot take fails here, not in the first epoch.
  std::vector<uint8_t> example(static_cast<size_t>(d.example_size()));
  QF_RETURN_IF_ERROR(d.source->Read(0, example.data()));
  return d;
}

}  // namespace

bool IsNpyShardFolder(const std::string& dir) {
  auto found = Suffixes(dir, "x_train");
  return found.ok() && !found->empty();
}

StatusOr<TrainTestData> LoadNpyShards(const std::string& dir, ArrayLayout layout, const InputSpec& spec,
                                      bool stream_train) {
  QF_ASSIGN_OR_RETURN(const SplitShards train, FindShards(dir, "train"));
  QF_ASSIGN_OR_RETURN(const SplitShards test, FindShards(dir, "test"));
  if (train.x.empty()) return InvalidArgument("{}: no x_train*.npy shards", dir);
  std::vector<int64_t> counts[4];  // x_train, y_train, x_test, y_test
  std::optional<NpyArray> y_train, x_test, y_test;
  // Labels and the test split are read whole (small next to the training images).
  const std::pair<const std::vector<std::string>*, std::optional<NpyArray>*> whole[] = {
      {&train.y, &y_train}, {&test.x, &x_test}, {&test.y, &y_test}};
  for (int k = 0; k < 3; ++k) {
    if (whole[k].first->empty()) continue;
    QF_ASSIGN_OR_RETURN(NpyArray joined, Concatenate(*whole[k].first, &counts[k + 1]));
    *whole[k].second = std::move(joined);
  }
  QF_RETURN_IF_ERROR(CheckPairs(test, counts[2], counts[3]));
  const auto ptr = [](const std::optional<NpyArray>& a) { return a ? &*a : nullptr; };
  if (!stream_train) {
    QF_ASSIGN_OR_RETURN(const NpyArray x_train, Concatenate(train.x, &counts[0]));
    QF_RETURN_IF_ERROR(CheckPairs(train, counts[0], counts[1]));
    return DatasetFromArrays({&x_train, ptr(y_train), ptr(x_test), ptr(y_test)}, layout, dir);
  }
  TrainTestData data;
  QF_ASSIGN_OR_RETURN(data.train, StreamedSplit(train, y_train, counts[1], layout, spec, dir));
  if (x_test) {
    QF_ASSIGN_OR_RETURN(const TrainTestData test_only,
                        DatasetFromArrays({&*x_test, ptr(y_test), nullptr, nullptr}, layout, dir + " (x_test)"));
    data.test = test_only.train;
  } else {
    data.test.channels = spec.channels;
    data.test.height = spec.height;
    data.test.width = spec.width;
  }
  NameClasses(&data);
  return data;
}

}  // namespace qforge
