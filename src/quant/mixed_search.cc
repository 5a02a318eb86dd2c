// The mixed-precision search (see mixed_search.h): measured points, greedy moves, the front.
#include "quant/mixed_search.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "convert/evaluate.h"
#include "runtime/interpreter.h"

namespace qforge::quant {
namespace {

using Modes = std::map<std::string, convert::Mode>;

class Search {
 public:
  Search(const PtqSession& s, const ImageDataset& d, const MixedSearchOptions& o) : session_(s), data_(d), options_(o) {}

  StatusOr<MixedPoint> Measure(const std::string& label, const Modes& modes) {
    QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, session_.Emit(&modes));
    QF_ASSIGN_OR_RETURN(const double accuracy, convert::QfmAccuracy(bytes, data_, options_.eval_threads));
    QF_ASSIGN_OR_RETURN(const double seconds,
                        MedianLatency(bytes, options_.bench_batch, options_.bench_threads, options_.bench_seconds));
    MixedPoint p;
    p.label = label;
    p.modes = modes;
    p.accuracy = accuracy;
    p.latency_ms = 1e3 * seconds;
    p.bytes = static_cast<int64_t>(bytes.size());
    return p;
  }

 private:
  const PtqSession& session_;
  const ImageDataset& data_;
  const MixedSearchOptions& options_;
};

// A move: one layer raised to one mode, with what it gained and cost alone.
struct Move {
  std::string layer;
  convert::Mode mode;
  double gain = 0.0, cost_ms = 0.0;
};

void MarkParetoFront(std::vector<MixedPoint>& points) {
  for (MixedPoint& p : points) {
    p.pareto = true;
    for (const MixedPoint& q : points) {
      const bool better = q.accuracy >= p.accuracy && q.latency_ms <= p.latency_ms &&
                          (q.accuracy > p.accuracy || q.latency_ms < p.latency_ms);
      if (better) {
        p.pareto = false;
        break;
      }
    }
  }
}

}  // namespace

StatusOr<double> MedianLatency(const std::vector<uint8_t>& bytes, int batch, int threads, double seconds) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model,
                      runtime::Model::FromBytes(bytes.data(), bytes.size(), "benchmarked model"));
  runtime::InterpreterOptions io;
  io.batch_size = batch;
  io.threads = threads;
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> it, runtime::Interpreter::Create(model, io));
  std::fill_n(it->input(0).data, it->input(0).bytes, uint8_t{0});
  for (int i = 0; i < 2; ++i) QF_RETURN_IF_ERROR(it->Invoke());  // warm up
  std::vector<double> runs;
  const auto start = std::chrono::steady_clock::now();
  while (runs.size() < 5 || std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    QF_RETURN_IF_ERROR(it->Invoke());
    runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (runs.size() >= 100000) break;
  }
  std::nth_element(runs.begin(), runs.begin() + runs.size() / 2, runs.end());
  return runs[runs.size() / 2];
}

StatusOr<MixedSearchResult> SearchMixedPrecision(const PtqSession& session, const ImageDataset& selection,
                                                 const MixedSearchOptions& o) {
  if (!selection.labelled()) return InvalidArgument("the mixed-precision search needs labelled examples");
  if (!(o.max_drop >= 0.0)) return InvalidArgument("the accuracy budget must be >= 0 points, not {}", o.max_drop);
  Search search(session, selection, o);
  MixedSearchResult r;
  const Modes base = session.layer_modes();
  Modes all_float;
  for (const convert::DeployLayer& l : session.graph().layers) all_float[l.name] = convert::Mode::kFloat;
  QF_ASSIGN_OR_RETURN(MixedPoint float_point, search.Measure("float", all_float));
  r.float_accuracy = float_point.accuracy;
  r.points.push_back(float_point);
  QF_ASSIGN_OR_RETURN(MixedPoint base_point, search.Measure("quantized", base));
  r.points.push_back(base_point);
  const double budget = o.max_drop / 100.0;
  // Each layer raised alone.
  std::vector<Move> moves;
  for (const convert::DeployLayer& l : session.graph().layers) {
    const auto current = base.find(l.name);
    if (current != base.end() && current->second == convert::Mode::kFloat) continue;
    for (convert::Mode to : o.raise_to) {
      if (current != base.end() && current->second == to) continue;
      Modes modes = base;
      modes[l.name] = to;
      QF_ASSIGN_OR_RETURN(MixedPoint p, search.Measure(l.name + ":" + convert::ModeName(to), modes));
      moves.push_back({l.name, to, p.accuracy - base_point.accuracy, p.latency_ms - base_point.latency_ms});
      r.points.push_back(p);
    }
  }
  // Greedy: the most accuracy per added millisecond first; moves that gain nothing are not tried.
  std::stable_sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) {
    return a.gain / std::max(a.cost_ms, 1e-4) > b.gain / std::max(b.cost_ms, 1e-4);
  });
  MixedPoint current = base_point;
  int step = 0;
  for (const Move& m : moves) {
    if (r.float_accuracy - current.accuracy <= budget || m.gain <= 0.0) break;
    const auto raised = current.modes.find(m.layer);
    const auto held = base.find(m.layer);
    if (raised != current.modes.end() && (held == base.end() || held->second != raised->second)) continue;  // raised
    Modes modes = current.modes;
    modes[m.layer] = m.mode;
    QF_ASSIGN_OR_RETURN(MixedPoint p, search.Measure("step " + std::to_string(++step) + ": +" + m.layer + ":" +
                                                         convert::ModeName(m.mode), modes));
    r.points.push_back(p);
    if (p.accuracy > current.accuracy) current = p;
  }
  // The choice: the fastest quantized point within the budget; of points within 3% of that latency
  // (timing noise), the one raising the fewest layers. None within: the float model, not met.
  MarkParetoFront(r.points);
  double fastest = std::numeric_limits<double>::infinity();
  for (size_t i = 1; i < r.points.size(); ++i)
    if (r.float_accuracy - r.points[i].accuracy <= budget) fastest = std::min(fastest, r.points[i].latency_ms);
  auto raised = [&](const MixedPoint& p) {
    size_t n = 0;
    for (const auto& [layer, mode] : p.modes) n += !base.count(layer) || base.at(layer) != mode;
    return n;
  };
  r.chosen = 0;
  r.met = false;
  for (size_t i = 1; i < r.points.size(); ++i) {
    const MixedPoint &p = r.points[i], &c = r.points[r.chosen];
    if (r.float_accuracy - p.accuracy > budget || p.latency_ms > 1.03 * fastest) continue;
    if (!r.met || raised(p) < raised(c) || (raised(p) == raised(c) && p.latency_ms < c.latency_ms)) r.chosen = i;
    r.met = true;
  }
  return r;
}

}  // namespace qforge::quant
