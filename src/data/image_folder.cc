// Walks an image folder, decodes and fits every image, and assembles 8-bit datasets.
#include "data/image_folder.h"

#include <algorithm>
#include <filesystem>

#include "data/file_bytes.h"
#include "data/image_decode.h"

namespace qforge {
namespace fs = std::filesystem;

namespace {

// The image files directly in `dir`, sorted (a fixed order makes runs reproducible).
StatusOr<std::vector<fs::path>> ImagesIn(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && IsImagePath(it->path().string())) files.push_back(it->path());
  if (ec) return NotFound("cannot list {}: {}", dir.string(), ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> SubfolderNames(const fs::path& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Status AddImage(const fs::path& file, int32_t label, const InputSpec& spec, ImageDataset* d) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(file.string(), uint64_t{1} << 28));
  QF_ASSIGN_OR_RETURN(const DecodedImage image, DecodeImage(bytes, file.string()));
  const std::vector<float> values(image.chw.begin(), image.chw.end());
  QF_ASSIGN_OR_RETURN(const std::vector<float> fitted,
                      FitImage(values.data(), image.channels, image.height, image.width, spec, file.string()));
  for (float v : fitted) d->pixels.push_back(static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)));
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
  for (const std::string& name : SubfolderNames(dir))
    if (std::find(classes.begin(), classes.end(), name) == classes.end())
      return InvalidArgument("{}: class folder '{}' is not one of train's classes", dir.string(), name);
  for (size_t c = 0; c < classes.size(); ++c) {
    if (!fs::is_directory(dir / classes[c])) continue;  // a class without test images
    QF_ASSIGN_OR_RETURN(const std::vector<fs::path> files, ImagesIn(dir / classes[c]));
    for (const fs::path& f : files) QF_RETURN_IF_ERROR(AddImage(f, static_cast<int32_t>(c), spec, &d));
  }
  if (d.count == 0) return InvalidArgument("{}: no .png or .jpg images in its class folders", dir.string());
  return d;
}

}  // namespace

bool IsImageFolder(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return false;
  if (fs::is_directory(fs::path(path) / "train", ec)) return true;
  auto images = ImagesIn(path);
  return images.ok() && !images->empty();
}

StatusOr<TrainTestData> LoadImageFolder(const std::string& root, const InputSpec& spec) {
  const fs::path dir(root);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("image folder {} does not exist", root);
  TrainTestData data;
  if (!fs::is_directory(dir / "train", ec)) {  // unlabelled images
    data.train = EmptySplit(spec);
    data.test = EmptySplit(spec);
    QF_ASSIGN_OR_RETURN(const std::vector<fs::path> files, ImagesIn(dir));
    if (files.empty()) return InvalidArgument("{}: no train/ folder and no .png or .jpg images", root);
    for (const fs::path& f : files) QF_RETURN_IF_ERROR(AddImage(f, -1, spec, &data.train));
    return data;
  }
  const std::vector<std::string> classes = SubfolderNames(dir / "train");
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
