// Checkpoint serialization and verification.
#include "train/checkpoint.h"

#include <zlib.h>

#include <cmath>
#include <cstring>

#include "data/file_bytes.h"
#include "qforge/version.h"

namespace qforge {
namespace {

constexpr char kMagic[8] = {'Q', 'F', 'C', 'K', 'P', 'T', '0', '1'};
constexpr int kFormatVersion = 1;

uint32_t Crc32(const uint8_t* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

void AppendTensor(std::vector<uint8_t>& payload, nlohmann::json& index, const std::string& name,
                  const std::string& kind, const Tensor& t) {
  index.push_back({{"name", name}, {"kind", kind}, {"shape", t.shape()}, {"offset", payload.size()}});
  const auto* p = reinterpret_cast<const uint8_t*>(t.data());
  payload.insert(payload.end(), p, p + t.size() * sizeof(float));
}

}  // namespace

Status SaveCheckpoint(const std::string& path, const Graph& graph, const CheckpointMeta& meta,
                      const std::map<std::string, Tensor>& optimizer_state,
                      int64_t optimizer_steps) {
  std::vector<uint8_t> payload;
  nlohmann::json index = nlohmann::json::array();
  for (const Param& p : graph.params()) AppendTensor(payload, index, p.name, "param", p.tensor);
  for (const auto& [name, t] : optimizer_state) AppendTensor(payload, index, name, "optimizer", t);
  const nlohmann::json header{
      {"format_version", kFormatVersion},
      {"producer", QFORGE_PRODUCER},
      {"graph", graph.ToJson()},
      {"model", meta.model_name},
      {"preprocess", meta.preprocess.ToJson()},
      {"class_names", meta.class_names},
      {"train_state", meta.train_state},
      {"optimizer_steps", optimizer_steps},
      {"tensors", index},
  };
  const std::string text = header.dump();
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  const uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  out.insert(out.end(), payload.begin(), payload.end());
  const uint32_t crc = Crc32(out.data(), out.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  return WriteFileAtomically(path, out);
}

StatusOr<Checkpoint> ParseCheckpoint(const std::vector<uint8_t>& b, const std::string& what) {
  if (b.size() < 20 || std::memcmp(b.data(), kMagic, 8) != 0)
    return DataLoss("{}: not a qforge checkpoint", what);
  uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) stored_crc |= uint32_t{b[b.size() - 4 + i]} << (8 * i);
  if (Crc32(b.data(), b.size() - 4) != stored_crc)
    return DataLoss("{}: checksum mismatch (file truncated or corrupted)", what);
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= uint64_t{b[8 + i]} << (8 * i);
  if (header_len > b.size() - 20) return DataLoss("{}: header length out of range", what);
  const uint8_t* payload = b.data() + 16 + header_len;
  const uint64_t payload_size = b.size() - 20 - header_len;

  nlohmann::json header = nlohmann::json::parse(b.begin() + 16, b.begin() + 16 + header_len, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return DataLoss("{}: header is not valid JSON", what);
  Checkpoint ck;
  try {
    const int version = header.at("format_version").get<int>();
    if (version != kFormatVersion)
      return DataLoss("{}: checkpoint format version {} unsupported (this build reads {})", what,
                      version, kFormatVersion);
    auto graph = Graph::FromJson(header.at("graph"), static_cast<int64_t>(payload_size / sizeof(float)));
    if (!graph.ok()) return DataLoss("{}: {}", what, graph.status().message());
    ck.graph = std::move(graph).value();
    ck.meta.model_name = header.at("model").get<std::string>();
    ck.meta.producer = header.value("producer", std::string());
    auto pre = Preprocess::FromJson(header.at("preprocess"));
    if (!pre.ok()) return DataLoss("{}: {}", what, pre.status().message());
    ck.meta.preprocess = *pre;
    ck.meta.class_names = header.at("class_names").get<std::vector<std::string>>();
    ck.meta.train_state = header.at("train_state");
    const auto& state = ck.meta.train_state;
    if (!state.is_object() ||
        (state.contains("epochs_done") && !state.at("epochs_done").is_number_unsigned()) ||
        (state.contains("history") && !state.at("history").is_array()) ||
        (state.contains("options") && !state.at("options").is_object()))
      return DataLoss("{}: malformed training state", what);
    ck.optimizer_steps = header.at("optimizer_steps").get<int64_t>();

    std::vector<char> loaded(ck.graph.params().size(), 0);
    for (const auto& entry : header.at("tensors")) {
      const std::string name = entry.at("name").get<std::string>();
      const std::string kind = entry.at("kind").get<std::string>();
      const Shape shape = entry.at("shape").get<Shape>();
      const uint64_t offset = entry.at("offset").get<uint64_t>();
      // Elements counted against what the file holds as they are multiplied: a shape whose
      // product overflows, or exceeds the payload, is refused before anything is allocated.
      uint64_t elements = 1;
      for (int64_t d : shape) {
        if (d < 0) return DataLoss("{}: tensor '{}' has a bad shape", what, name);
        if (d > 0 && elements > payload_size / sizeof(float) / static_cast<uint64_t>(d))
          return DataLoss("{}: tensor '{}' (shape {}) is larger than the file", what, name, ShapeToString(shape));
        elements *= static_cast<uint64_t>(d);
      }
      const uint64_t bytes = elements * sizeof(float);
      if (offset > payload_size || bytes > payload_size - offset)
        return DataLoss("{}: tensor '{}' lies outside the file", what, name);
      Tensor t(shape);
      if (bytes > 0) std::memcpy(t.data(), payload + offset, bytes);  // an empty tensor has no storage
      for (int64_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t[i])) return DataLoss("{}: tensor '{}' contains NaN or infinity", what, name);
      if (kind == "optimizer") {
        ck.optimizer_state[name] = std::move(t);
        continue;
      }
      if (kind != "param") return DataLoss("{}: tensor '{}' has unknown kind '{}'", what, name, kind);
      const int v = ck.graph.FindValue(name);
      if (v < 0 || ck.graph.values()[v].kind != ValueKind::kParam)
        return DataLoss("{}: tensor '{}' is not a parameter of the graph", what, name);
      Param& p = ck.graph.params()[ck.graph.values()[v].index];
      if (p.tensor.shape() != shape)
        return DataLoss("{}: tensor '{}' is {}, the graph expects {}", what, name,
                        ShapeToString(shape), ShapeToString(p.tensor.shape()));
      p.tensor = std::move(t);
      loaded[ck.graph.values()[v].index] = 1;
    }
    for (size_t i = 0; i < loaded.size(); ++i)
      if (!loaded[i]) return DataLoss("{}: parameter '{}' is missing", what, ck.graph.params()[i].name);
  } catch (const nlohmann::json::exception& e) {
    return DataLoss("{}: malformed header ({})", what, e.what());
  }
  return ck;
}

StatusOr<Checkpoint> LoadCheckpoint(const std::string& path) {
  QF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, uint64_t{4} << 30));
  return ParseCheckpoint(bytes, path);
}

}  // namespace qforge
