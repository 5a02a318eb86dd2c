// Per-node flag values (see node_values.h).
#include "cli/node_values.h"

namespace qforge::cli {

StatusOr<nlohmann::json> ParseNodeValues(const std::vector<std::string>& entries, const std::string& flag,
                                         const std::string& what, const std::function<bool(double)>& valid) {
  nlohmann::json values = nlohmann::json::object();
  for (const std::string& entry : entries) {
    const size_t eq = entry.find('=');
    double v = -1;
    size_t used = 0;
    try {
      if (eq != std::string::npos && eq > 0) v = std::stod(entry.substr(eq + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != entry.size() - eq - 1 || !valid(v))
      return InvalidArgument("{} wants NODE={}, not '{}'", flag, what, entry);
    values[entry.substr(0, eq)] = v;
  }
  return values;
}

}  // namespace qforge::cli
