// Walks an image folder, decodes and fits every image, and assembles 8-bit datasets.
#include "data/image_folder.h"

#include <algorithm>
#include <filesystem>

#include "data/file_bytes.h"
#include "data/image_decode.h"

namespace qforge {
namespace fs = std::filesystem;

namespace {

// The entries of `dir` that are image files (or, `folders`, subfolders not starting with a dot),
// sorted: a fixed order makes runs reproducible. An entry that cannot be inspected (a dangling
// link) is skipped; a folder that cannot be listed is an error.
StatusOr<std::vector<fs::path>> Entries(const fs::path& dir, bool folders) {
  std::error_code ec;
  std::vector<fs::path> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_error;
    const std::string name = it->path().filename().string();
    if (folders ? it->is_directory(entry_error) && !name.starts_with(".")
                : it->is_regular_file(entry_error) && IsImagePath(name))
      found.push_back(it->path());
  }
  if (ec) return NotFound("cannot list {}: {}", dir.string(), ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

// One image file decoded and fitted to the model's input: spec's channels x height x width pixels.
Status ReadFitted(const std::string& file, const InputSpec& spec, uint8_t* pixels) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(file, uint64_t{1} << 28));
  QF_ASSIGN_OR_RETURN(const DecodedImage image, DecodeImage(bytes, file));
  return FitPixels(image.chw.data(), image.channels, image.height, image.width, spec, file, pixels);
}

// A streamed split's images, read from their files when a batch needs them.
class ImageFolderSource : public ExampleSource {
 public:
  ImageFolderSource(std::vector<std::string> files, const InputSpec& spec) : files_(std::move(files)), spec_(spec) {}
  Status Read(int64_t index, uint8_t* pixels) const override { return ReadFitted(files_[index], spec_, pixels); }

 private:
  std::vector<std::string> files_;
  InputSpec spec_;
};

// The images of a split and their labels (-1: unlabelled), not read yet.
struct SplitIndex {
  std::vector<std::string> files;
  std::vector<int32_t> labels;
  void Add(const fs::path& file, int32_t label) {
    files.push_back(file.string());
    if (label >= 0) labels.push_back(label);
  }
};

// The split with every image read into memory, or (stream) read as batches need them.
StatusOr<ImageDataset> Assemble(SplitIndex index, const InputSpec& spec, bool stream, ImageDataset d) {
  d.count = static_cast<int64_t>(index.files.size());
  d.labels = std::move(index.labels);
  if (stream) {
    d.source = std::make_shared<ImageFolderSource>(std::move(index.files), spec);
    return d;
  }
  d.pixels.resize(static_cast<size_t>(d.count * d.example_size()));
  for (int64_t i = 0; i < d.count; ++i)
    QF_RETURN_IF_ERROR(ReadFitted(index.files[i], spec, d.pixels.data() + i * d.example_size()));
  return d;
}

ImageDataset EmptySplit(const InputSpec& spec) {
  ImageDataset d;
  d.channels = spec.channels;
  d.height = spec.height;
  d.width = spec.width;
  return d;
}

// A labelled split: one subfolder per class, named as `classes` (train's subfolders).
StatusOr<ImageDataset> LoadSplit(const fs::path& dir, const std::vector<std::string>& classes, const InputSpec& spec,
                                 bool stream) {
  ImageDataset d = EmptySplit(spec);
  d.class_names = classes;
  d.num_classes = static_cast<int>(classes.size());
  SplitIndex index;
  QF_ASSIGN_OR_RETURN(const std::vector<fs::path> folders, Entries(dir, /*folders=*/true));
  for (const fs::path& folder : folders)
    if (std::find(classes.begin(), classes.end(), folder.filename().string()) == classes.end())
      return InvalidArgument("{}: class folder '{}' is not one of train's classes", dir.string(),
                             folder.filename().string());
  for (size_t c = 0; c < classes.size(); ++c) {
    std::error_code ec;
    if (!fs::is_directory(dir / classes[c], ec)) continue;  // a class without test images
    QF_ASSIGN_OR_RETURN(const std::vector<fs::path> files, Entries(dir / classes[c], /*folders=*/false));
    if (files.empty() && dir.filename() == "train")
      return InvalidArgument("{}: class folder '{}' has no .png or .jpg images", dir.string(), classes[c]);
    for (const fs::path& f : files) index.Add(f, static_cast<int32_t>(c));
  }
  if (index.files.empty()) return InvalidArgument("{}: no .png or .jpg images in its class folders", dir.string());
  return Assemble(std::move(index), spec, stream, std::move(d));
}

}  // namespace

StatusOr<TrainTestData> LoadImageFolder(const std::string& root, const InputSpec& spec, bool stream_train) {
  const fs::path dir(root);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("image folder {} does not exist", root);
  TrainTestData data;
  if (!fs::is_directory(dir / "train", ec)) {  // unlabelled images
    data.train = EmptySplit(spec);
    data.test = EmptySplit(spec);
    QF_ASSIGN_OR_RETURN(const std::vector<fs::path> files, Entries(dir, /*folders=*/false));
    if (files.empty()) return InvalidArgument("{}: no train/ folder and no .png or .jpg images", root);
    SplitIndex index;
    for (const fs::path& f : files) index.Add(f, -1);
    QF_ASSIGN_OR_RETURN(data.train, Assemble(std::move(index), spec, stream_train, std::move(data.train)));
    return data;
  }
  QF_ASSIGN_OR_RETURN(const std::vector<fs::path> class_folders, Entries(dir / "train", /*folders=*/true));
  std::vector<std::string> classes;
  for (const fs::path& folder : class_folders) classes.push_back(folder.filename().string());
  if (classes.empty()) return InvalidArgument("{}: train/ has no class subfolders", root);
  QF_ASSIGN_OR_RETURN(data.train, LoadSplit(dir / "train", classes, spec, stream_train));
  for (const char* test : {"test", "val"})
    if (fs::is_directory(dir / test, ec)) {
      QF_ASSIGN_OR_RETURN(data.test, LoadSplit(dir / test, classes, spec, /*stream=*/false));
      return data;
    }
  data.test = EmptySplit(spec);
  data.test.class_names = classes;
  data.test.num_classes = static_cast<int>(classes.size());
  return data;
}

}  // namespace qforge
