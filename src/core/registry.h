// A name -> factory table that code anywhere may extend at start-up (user ops, user quantizers)
// while others look names up: the op registry (ops/registry.cc) and the quantizer registry
// (quant/quantizer.cc) are two of these.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace qforge {

template <typename Factory>
class Registry {
 public:
  // `what` names an entry in messages ("op type", "quantizer").
  Registry(std::string what, std::map<std::string, Factory, std::less<>> built_in)
      : what_(std::move(what)), factories_(std::move(built_in)) {}

  // Adding the same factory under the same name again is a no-op; another factory is an error.
  Status Add(const std::string& name, Factory factory) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, inserted] = factories_.emplace(name, factory);
    if (!inserted && it->second != factory) return InvalidArgument("{} '{}' is already registered", what_, name);
    return Status::Ok();
  }

  StatusOr<Factory> Find(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = factories_.find(name);
    if (it == factories_.end()) return NotFound("unknown {} '{}'", what_, name);
    return it->second;
  }

  std::vector<std::string> Names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    for (const auto& entry : factories_) names.push_back(entry.first);
    return names;
  }

 private:
  const std::string what_;
  mutable std::mutex mutex_;
  std::map<std::string, Factory, std::less<>> factories_;
};

}  // namespace qforge
