// Status and StatusOr<T>: how qforge reports recoverable errors at API boundaries. Public and
// dependency-free (C++17), implemented in the runtime (the bottom layer) so the deployable
// engine, its public API and the training code share one error type; the internal
// core/status.h adds formatting helpers on top.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "qforge/export.h"

namespace qforge {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kDataLoss,
  kFailedPrecondition,
  kUnimplemented,
  kInternal,
};

QFORGE_API const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  QFORGE_API std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // An OK status carries no value: it becomes an internal error rather than an empty success.
  StatusOr(Status status)  // NOLINT: implicit by design
      : value_(status.ok() ? Status(StatusCode::kInternal, "StatusOr built from an OK status") : std::move(status)) {}
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<Status, T> value_;
};

}  // namespace qforge

#define QF_STATUS_CONCAT_INNER(a, b) a##b
#define QF_STATUS_CONCAT(a, b) QF_STATUS_CONCAT_INNER(a, b)

#define QF_RETURN_IF_ERROR(expr)               \
  do {                                         \
    ::qforge::Status qf_status_ = (expr);      \
    if (!qf_status_.ok()) return qf_status_;   \
  } while (0)

#define QF_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto QF_STATUS_CONCAT(qf_statusor_, __LINE__) = (expr);                \
  if (!QF_STATUS_CONCAT(qf_statusor_, __LINE__).ok())                    \
    return QF_STATUS_CONCAT(qf_statusor_, __LINE__).status();            \
  lhs = std::move(QF_STATUS_CONCAT(qf_statusor_, __LINE__)).value()
