// The mixed-precision search from the command line (see auto_mixed.h).
#include "cli/auto_mixed.h"

#include <fmt/format.h>

#include "convert/evaluate.h"

namespace qforge::cli {
namespace {

}  // namespace

void AutoMixedFlags::Register(CLI::App& cmd) {
  cmd.add_flag("--auto-mixed", enabled, "choose layers to raise (int16x8 or float) by measured accuracy and latency");
  cmd.add_option("--max-drop", max_drop, "--auto-mixed: accuracy budget, points below the float model")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();
  cmd.add_option("--auto-samples", samples, "--auto-mixed: the first N test images choose (the rest check the choice)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  cmd.add_option("--bench-batch", bench_batch, "--auto-mixed: the batch latency is measured at")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  cmd.add_option("--raise-to", raise_to,
                 "--auto-mixed: the precisions a layer may be raised to (default: int16x8,float; in an int16x8 model: float)")
      ->delimiter(',');
}

Status AutoMixedFlags::Check(convert::Mode base) const {
  if (!enabled) return Status::Ok();
  if (!convert::NeedsRanges(base)) return InvalidArgument("--auto-mixed needs --mode int8 or int16x8");
  for (const std::string& name : raise_to) {
    QF_ASSIGN_OR_RETURN(const convert::Mode m, convert::ParseMode(name));
    if ((m != convert::Mode::kFloat && m != convert::Mode::kInt16x8 && m != convert::Mode::kInt8) || m == base)
      return InvalidArgument("--raise-to takes int16x8 (in an int8 model), int8 (in an int16x8 model) or float, not {}", name);
  }
  return Status::Ok();
}

StatusOr<AutoMixedOutcome> RunAutoMixed(const quant::PtqSession& session, const ImageDataset& test,
                                        const AutoMixedFlags& f, int threads) {
  if (!test.labelled()) return InvalidArgument("--auto-mixed needs a labelled test split");
  const int64_t n = std::min(f.samples, test.count);
  const ImageDataset selection = SliceExamples(test, 0, n);
  quant::MixedSearchOptions o;
  o.max_drop = f.max_drop;
  o.raise_to.clear();
  for (const std::string& name : f.raise_to) {
    QF_ASSIGN_OR_RETURN(const convert::Mode m, convert::ParseMode(name));
    o.raise_to.push_back(m);
  }
  if (f.raise_to.empty()) {
    if (session.base_mode() == convert::Mode::kInt8) o.raise_to.push_back(convert::Mode::kInt16x8);
    o.raise_to.push_back(convert::Mode::kFloat);
  }
  o.bench_batch = f.bench_batch;
  o.eval_threads = threads;
  QF_ASSIGN_OR_RETURN(const quant::MixedSearchResult r, quant::SearchMixedPrecision(session, selection, o));
  const quant::MixedPoint& chosen = r.points[r.chosen];
  AutoMixedOutcome out;
  QF_ASSIGN_OR_RETURN(out.model, session.Emit(&chosen.modes));
  // The choice checked on the test images that did not choose it, against the float model there.
  double held_out = 0.0, held_out_float = 0.0;
  if (n < test.count) {
    const ImageDataset rest = SliceExamples(test, n, test.count - n);
    QF_ASSIGN_OR_RETURN(held_out, convert::QfmAccuracy(out.model, rest, threads));
    const quant::MixedPoint& float_point = r.points[0];
    QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> float_model, session.Emit(&float_point.modes));
    QF_ASSIGN_OR_RETURN(held_out_float, convert::QfmAccuracy(float_model, rest, threads));
  }
  const quant::MixedPoint& base = r.points[1];
  nlohmann::json points = nlohmann::json::array();
  out.text = fmt::format("mixed-precision search: {} test images choose, latency at batch {} (1 thread), budget {} points\n",
                         n, f.bench_batch, f.max_drop);
  out.text += fmt::format("{:<32} {:>9} {:>8} {:>11} {:>10} {:>8} {}\n", "configuration", "accuracy", "drop pt",
                          "latency ms", "vs quant.", "bytes", "");
  for (size_t i = 0; i < r.points.size(); ++i) {
    const quant::MixedPoint& p = r.points[i];
    nlohmann::json modes = nlohmann::json::object();
    for (const auto& [layer, mode] : p.modes) modes[layer] = convert::ModeName(mode);
    if (p.label == "float") modes = "all float";
    points.push_back({{"label", p.label}, {"layer_modes", modes}, {"accuracy", p.accuracy}, {"latency_ms", p.latency_ms},
                      {"bytes", p.bytes}, {"pareto", p.pareto}, {"chosen", i == r.chosen}});
    out.text += fmt::format("{:<32} {:>9.4f} {:>8.2f} {:>11.4f} {:>9.2f}x {:>8} {}{}\n", p.label, p.accuracy,
                            100.0 * (r.float_accuracy - p.accuracy), p.latency_ms, p.latency_ms / base.latency_ms, p.bytes,
                            p.pareto ? "front" : "", i == r.chosen ? " <- chosen" : "");
  }
  out.text += r.met ? fmt::format("chosen: {} (within the budget)", chosen.label)
                     : std::string("chosen: the float model — no quantized configuration measured is within the budget");
  out.text += fmt::format(": {:.4f} on the choosing images (float {:.4f}), latency {:.4f} ms = {:.2f}x the all-quantized model's",
                          chosen.accuracy, r.float_accuracy, chosen.latency_ms, chosen.latency_ms / base.latency_ms);
  if (n < test.count)
    out.text += fmt::format("; on the other {} test images {:.4f} (float {:.4f})", test.count - n, held_out, held_out_float);
  out.text += "\n";
  out.json = {{"samples", n},          {"bench_batch", f.bench_batch}, {"max_drop", f.max_drop},
              {"float_accuracy", r.float_accuracy}, {"points", points},     {"chosen", chosen.label},
              {"met", r.met}};
  if (n < test.count) out.json["held_out"] = {{"samples", test.count - n}, {"accuracy", held_out}, {"float_accuracy", held_out_float}};
  return out;
}

}  // namespace qforge::cli
