// The operator tables of the exporters (ONNX, TFLite): each file lists the .qfm operators it
// writes, and an exporter gathers its files' lists into one lookup.
#pragma once

#include <initializer_list>
#include <map>
#include <vector>

#include "runtime/model/qfm_generated.h"

namespace qforge::interop {

template <typename Exporter>
struct ExporterRow {
  qfm::OpType type;
  Exporter exporter;
};

template <typename Exporter>
std::map<qfm::OpType, Exporter> GatherExporters(std::initializer_list<std::vector<ExporterRow<Exporter>>> files) {
  std::map<qfm::OpType, Exporter> table;
  for (const auto& rows : files)
    for (const ExporterRow<Exporter>& r : rows) table[r.type] = r.exporter;
  return table;
}

}  // namespace qforge::interop
