// Result<T>: a value or an Error. The one error path used across Tandem's layers.
#pragma once

#include <cassert>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "core/value.h"

namespace tandem {

// An error that can reach a person. `code` is stable (it selects the localized message
// "error.<code>" and appears in problem+json); `message` is a precise English sentence for logs,
// the linter and tests; `args` fill the localized message.
struct Error {
  std::string code;
  std::string message;
  Args args;
};

inline Error make_error(std::string code, std::string message, Args args = {}) {
  return Error{std::move(code), std::move(message), std::move(args)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}
  Result(Error error) : data_(std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;

}  // namespace tandem
