// Values captured from partners and passed to messages as arguments.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace tandem {

// A captured answer or message argument: text (typed answers, choice values, names) or a whole
// number (scale ratings, counters).
using Value = std::variant<std::string, std::int64_t>;

// Named arguments for a message, e.g. {"speaker": "Ana", "proposal": "a walk after dinner"}.
using Args = std::map<std::string, Value>;

inline bool is_text(const Value& v) { return std::holds_alternative<std::string>(v); }
inline bool is_number(const Value& v) { return std::holds_alternative<std::int64_t>(v); }

inline std::string value_to_string(const Value& v) {
  if (is_text(v)) return std::get<std::string>(v);
  return std::to_string(std::get<std::int64_t>(v));
}

}  // namespace tandem
