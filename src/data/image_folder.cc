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

Status AddImage(const fs::path& file, int32_t label, const InputSpec& spec, ImageDataset* d) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(file.string(), uint64_t{1} << 28));
  QF_ASSIGN_OR_RETURN(const DecodedImage image, DecodeImage(bytes, file.string()));
  const std::vector<float> values(image.chw.begin(), image.chw.end());
  QF_ASSIGN_OR_RETURN(const std::vector<float> fitted,
                      FitImage(values.data(), image.channels, image.height, image.width, spec, file.string()));
  for (float v : fitted) d->pixels.push_back(ToPixel(v));
  if (label >= 0) d->labels.push_back(label);
  ++d->count;
  return Status::Ok();
}

ImageDataset EmptySplit(const InputSpec& spec) {
  ImageDataset d;
  d.channels = spec.channels;
  d.height = spec.height;
  d.width = spec.width;
  return d;
}

// A labelled split: one subfolder per class, named as `classes` (train's subfolders).
StatusOr<ImageDataset> LoadSplit(const fs::path& dir, const std::vector<std::string>& classes, const InputSpec& spec) {
  ImageDataset d = EmptySplit(spec);
  d.class_names = classes;
  d.num_classes = static_cast<int>(classes.size());
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
    for (const fs::path& f : files) QF_RETURN_IF_ERROR(AddImage(f, static_cast<int32_t>(c), spec, &d));
  }
  if (d.count == 0) return InvalidArgument("{}: no .png or .jpg images in its class folders", dir.string());
  return d;
}

}  // namespace

StatusOr<TrainTestData> LoadImageFolder(const std::string& root, const InputSpec& spec) {
  const fs::path dir(root);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("image folder {} does not exist", root);
  TrainTestData data;
  if (!fs::is_directory(dir / "train", ec)) {  // unlabelled images
    data.train = EmptySplit(spec);
    data.test = EmptySplit(spec);
    QF_ASSIGN_OR_RETURN(const std::vector<fs::path> files, Entries(dir, /*folders=*/false));
    if (files.empty()) return InvalidArgument("{}: no train/ folder and no .png or .jpg images", root);
    for (const fs::path& f : files) QF_RETURN_IF_ERROR(AddImage(f, -1, spec, &data.train));
    return data;
  }
  QF_ASSIGN_OR_RETURN(const std::vector<fs::path> class_folders, Entries(dir / "train", /*folders=*/true));
  std::vector<std::string> classes;
  for (const fs::path& folder : class_folders) classes.push_back(folder.filename().string());
  if (classes.empty()) return InvalidArgument("{}: train/ has no class subfolders", root);
  QF_ASSIGN_OR_RETURN(data.train, LoadSplit(dir / "train", classes, spec));
  for (const char* test : {"test", "val"})
    if (fs::is_directory(dir / test, ec)) {
      QF_ASSIGN_OR_RETURN(data.test, LoadSplit(dir / test, classes, spec));
      return data;
    }
  data.test = EmptySplit(spec);
  data.test.class_names = classes;
  data.test.num_classes = static_cast<int>(classes.size());
  return data;
}

}  // namespace qforge
