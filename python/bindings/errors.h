// qforge errors as Python exceptions: every qforge::Status that is not OK becomes an instance of
// qforge.Error's subclass for its code, carrying qforge's message. InvalidArgumentError is also a
// ValueError and UnimplementedError a NotImplementedError, so generic handlers catch them too.
#pragma once

#include <pybind11/pybind11.h>

#include <stdexcept>
#include <utility>

#include "core/status.h"

namespace qforge::python {

// A failed Status on its way to Python (translated by the translator RegisterErrors installs).
class StatusError : public std::runtime_error {
 public:
  explicit StatusError(Status status) : std::runtime_error(status.message()), status_(std::move(status)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// Creates qforge.Error and its subclasses in `m` and translates StatusError into them.
void RegisterErrors(pybind11::module_& m);

inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T ValueOrThrow(StatusOr<T> result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).value();
}

// An InvalidArgumentError (a ValueError) with a formatted message.
template <typename... Args>
[[noreturn]] void ThrowInvalid(fmt::format_string<Args...> format, Args&&... args) {
  throw StatusError(InvalidArgument(format, std::forward<Args>(args)...));
}

}  // namespace qforge::python
