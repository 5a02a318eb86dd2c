// Dataset flags: resolve --data to Fashion-MNIST's package files, an array file or an image
// folder, and the preprocessing flags to a model's stored preprocessing.
#include "cli/data_flags.h"

#include <cmath>
#include <filesystem>

#include "data/array_dataset.h"
#include "data/image_folder.h"
#include "data/npy_shards.h"

namespace qforge::cli {

void DataFlags::Register(CLI::App& cmd) {
  cmd.add_option("--data", name,
                 "fashion-mnist, an .npz (x_train, y_train, x_test, y_test) or .npy file, an image folder "
                 "(train/CLASS/*.png|jpg, test/ or val/), or a folder of NPY shards (x_train*.npy + y_train*.npy, "
                 "x_test*.npy + y_test*.npy)")
      ->capture_default_str();
  cmd.add_option("--data-dir", dir,
                 "fashion-mnist: folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] files "
                 "(default: the dataset-fashion-mnist package's folder)");
  cmd.add_option("--layout", layout, "array images: auto, nchw or nhwc")
      ->check(CLI::IsMember({"auto", "nchw", "nhwc"}))
      ->capture_default_str();
}

StatusOr<TrainTestData> DataFlags::Load(const InputSpec& spec, bool stream_train) const {
  TrainTestData data;
  std::string what = name;
  std::error_code ec;
  if (stream_train && !std::filesystem::is_directory(name, ec))
    return InvalidArgument("--stream reads image folders and folders of NPY shards; --data {} is neither", name);
  const ArrayLayout l = layout == "nchw" ? ArrayLayout::kNchw : layout == "nhwc" ? ArrayLayout::kNhwc : ArrayLayout::kAuto;
  if (name == "fashion-mnist") {
    const std::string folder = dir.empty() ? kFashionMnistDir : dir;
    auto loaded = LoadFashionMnist(folder);
    if (!loaded.ok() && dir.empty() && loaded.status().code() == StatusCode::kNotFound)
      return NotFound("{} (install the Debian package dataset-fashion-mnist, or pass --data-dir)",
                      loaded.status().message());
    QF_ASSIGN_OR_RETURN(data, std::move(loaded));
    what = "fashion-mnist (" + folder + ")";
  } else if (!dir.empty()) {
    return InvalidArgument("--data-dir is for --data fashion-mnist; name the file or folder with --data");
  } else if (IsArrayPath(name)) {
    QF_ASSIGN_OR_RETURN(data, LoadArrayDataset(name, l));
  } else if (!std::filesystem::is_directory(name, ec)) {
    return InvalidArgument("--data {}: not fashion-mnist, an .npz/.npy file or an image folder", name);
  } else if (IsNpyShardFolder(name)) {
    QF_ASSIGN_OR_RETURN(data, LoadNpyShards(name, l, spec, stream_train));  // a streamed split: fitted as read
  } else {
    return LoadImageFolder(name, spec, stream_train);  // fitted as each image is decoded
  }
  if (!data.train.streamed()) QF_RETURN_IF_ERROR(ConformDataset(&data.train, spec, what));
  QF_RETURN_IF_ERROR(ConformDataset(&data.test, spec, what));
  return data;
}

void PreprocessFlags::Register(CLI::App& cmd) {
  cmd.add_option("--input-size", input_size,
                 "fit images to the model's SxS input: shorter side resized to S (or --resize), centre crop")
      ->check(CLI::Range(1, 1 << 14));
  cmd.add_option("--resize", resize, "shorter side of the images before the centre crop to the model's input")
      ->check(CLI::Range(1, 1 << 14));
  cmd.add_option("--mean", mean, "per-channel mean subtracted from the 0..1 pixels (one value, or one per channel)")
      ->delimiter(',');
  cmd.add_option("--std", std, "per-channel standard deviation the pixels are divided by")->delimiter(',');
}

Status PreprocessFlags::Apply(const InputSpec& spec, Preprocess* pre) const {
  if (input_size && (input_size != spec.height || input_size != spec.width))
    return InvalidArgument("--input-size {} but the model takes {}x{} images", input_size, spec.height, spec.width);
  if (resize) pre->resize = resize;
  else if (input_size) pre->resize = input_size;
  Preprocess given = *pre;
  if (!mean.empty()) given.mean = mean;
  if (!std.empty()) given.std = std;
  for (float s : given.std)
    if (!(s > 0) || !std::isfinite(s)) return InvalidArgument("--std values must be finite and > 0");
  for (float m : given.mean)
    if (!std::isfinite(m)) return InvalidArgument("--mean values must be finite");
  QF_RETURN_IF_ERROR(given.CheckChannels(spec.channels));
  *pre = given;
  return Status::Ok();
}

}  // namespace qforge::cli
