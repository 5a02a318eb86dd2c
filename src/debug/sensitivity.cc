// Layer sensitivity: variants of one PtqSession evaluated on the test examples.
#include "debug/sensitivity.h"

#include <algorithm>
#include <map>

#include "convert/evaluate.h"

namespace qforge::debug {
namespace {

using Modes = std::map<std::string, convert::Mode>;

StatusOr<double> Accuracy(const quant::PtqSession& session, const Modes& modes, const ImageDataset& test, int threads) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, session.Emit(&modes));
  return convert::QfmAccuracy(bytes, test, threads);
}

}  // namespace

StatusOr<Sensitivity> MeasureSensitivity(const quant::PtqSession& session, const ImageDataset& test, int threads) {
  if (!test.labelled()) return InvalidArgument("sensitivity needs labelled test examples");
  const Modes& base = session.layer_modes();
  std::vector<std::string> quantized;  // the layers the model under test quantizes
  Modes all_float;
  for (const convert::DeployLayer& l : session.graph().layers) {
    all_float[l.name] = convert::Mode::kFloat;
    const auto mode = base.find(l.name);
    if (mode == base.end() || mode->second != convert::Mode::kFloat) quantized.push_back(l.name);
  }
  Sensitivity s;
  s.samples = test.count;
  QF_ASSIGN_OR_RETURN(s.float_accuracy, Accuracy(session, all_float, test, threads));
  QF_ASSIGN_OR_RETURN(s.quantized_accuracy, Accuracy(session, base, test, threads));
  for (const std::string& layer : quantized) {
    LayerSensitivity ls;
    ls.layer = layer;
    Modes alone = all_float;
    alone.erase(layer);
    const auto mode = base.find(layer);
    if (mode != base.end()) alone[layer] = mode->second;
    QF_ASSIGN_OR_RETURN(const double alone_accuracy, Accuracy(session, alone, test, threads));
    Modes raised = base;
    raised[layer] = convert::Mode::kFloat;
    QF_ASSIGN_OR_RETURN(const double raised_accuracy, Accuracy(session, raised, test, threads));
    ls.alone_drop = s.float_accuracy - alone_accuracy;
    ls.float_gain = raised_accuracy - s.quantized_accuracy;
    s.layers.push_back(ls);
  }
  return s;
}

}  // namespace qforge::debug
