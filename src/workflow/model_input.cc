// Model inputs and labelled splits (see model_input.h).
#include "workflow/model_input.h"

#include "convert/evaluate.h"

namespace qforge {

StatusOr<InputSpec> ModelInputSpec(const Shape& nchw, const Preprocess& pre, const std::string& what) {
  if (nchw.size() != 4 || nchw[1] < 1 || nchw[2] < 1 || nchw[3] < 1)
    return InvalidArgument("{}: the model's input {} is not a batch of images (N, C, H, W)", what, ShapeToString(nchw));
  QF_RETURN_IF_ERROR(pre.CheckChannels(nchw[1]));
  return InputSpec{nchw[1], nchw[2], nchw[3], pre.resize};
}

StatusOr<InputSpec> ModelInputSpec(const Checkpoint& ck, const std::string& what) {
  if (ck.graph.inputs().size() != 1) return InvalidArgument("{}: the model has {} inputs, not one", what, ck.graph.inputs().size());
  return ModelInputSpec(ck.graph.values()[ck.graph.inputs()[0]].shape, ck.meta.preprocess, what);
}

StatusOr<InputSpec> ModelInputSpec(std::shared_ptr<const runtime::Model> qfm, const std::string& what) {
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(*qfm, what));
  QF_ASSIGN_OR_RETURN(const Shape input, convert::InputShapeNchw(qfm, what));
  return ModelInputSpec(input, meta.preprocess, what);
}

Status RequireLabels(const ImageDataset& split, const char* purpose) {
  if (split.count == 0)
    return InvalidArgument("{} needs labelled images, and the data has none for it (an .npz needs x_train/y_train and "
                           "x_test/y_test, an image folder train/ and test/ or val/)", purpose);
  if (!split.labelled()) return InvalidArgument("{} needs labelled images, and the data has no labels", purpose);
  return Status::Ok();
}

}  // namespace qforge
