// The built-in quantizers (see CreateQuantizer in quantizer.h for their names and attributes).
#pragma once

#include <map>
#include <string>

#include "quant/quantizer.h"

namespace qforge::quant {

// Quantizers whose grid comes from a range [lo, hi] per channel: fake-quantize with the grid
// of that range, straight-through gradient with clipping, nothing learned.
class RangeQuantizer : public Quantizer {
 public:
  using Quantizer::Quantizer;
  void Forward(bool training, const Tensor& x, const std::vector<Tensor*>& params, Tensor& y) override;
  void Backward(const Tensor& x, const std::vector<Tensor*>& params, const Tensor& dy, Tensor* dx,
                const std::vector<Tensor*>& dparams) override;
  StatusOr<Grid> CurrentGrid(const Tensor* x, const std::vector<Tensor*>& params) const override;

 protected:
  // Updates tracked state from a training batch.
  virtual void Observe(const Tensor& x, const std::vector<Tensor*>& params) {}
  // The range now; x may be null (export) when the range does not depend on it.
  virtual Status Range(const Tensor* x, const std::vector<Tensor*>& params, std::vector<float>* lo,
                       std::vector<float>* hi) const = 0;

 private:
  Grid grid_;                   // of the last Forward
  std::vector<uint8_t> inside_;  // of the last Forward: the straight-through mask for Backward
};

std::map<std::string, QuantizerFactory, std::less<>> BuiltInQuantizers();

}  // namespace qforge::quant
