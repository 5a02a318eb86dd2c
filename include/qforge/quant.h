// qforge quantization API: quantization-aware training (QuantizeModel with schemes and
// per-node configs, the Quantizer interface for custom quantizers), conversion of QAT models to
// .qfm, post-training quantization, and evaluation of .qfm files. One include for
// applications; see docs/qat.md and docs/quantization.md.
#pragma once

#include "convert/evaluate.h"   // IWYU pragma: export
#include "quant/ptq.h"          // IWYU pragma: export
#include "quant/qat.h"          // IWYU pragma: export
#include "quant/qat_export.h"   // IWYU pragma: export
#include "quant/quantizer.h"    // IWYU pragma: export
#include "quant/scheme.h"       // IWYU pragma: export
