// Values captured from partners and passed to messages as arguments.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tandem {

// A list of names: the options chosen in a several-choices question, the answers of a private
// yes/maybe/no list, or message keys to show as a localized list.
using List = std::vector<std::string>;

// A captured answer or message argument: text (typed answers, choice values, names), a whole
// number (scale ratings, counters) or a list.
using Value = std::variant<std::string, std::int64_t, List>;

// Named arguments for a message, e.g. {"speaker": "Ana", "proposal": "a walk after dinner"}.
using Args = std::map<std::string, Value>;

inline bool is_text(const Value& v) { return std::holds_alternative<std::string>(v); }
inline bool is_number(const Value& v) { return std::holds_alternative<std::int64_t>(v); }
inline bool is_list(const Value& v) { return std::holds_alternative<List>(v); }

// Plain text of a value, for logs and tests ("a, b" for a list); people see lists formatted by
// the i18n layer in their own language instead.
inline std::string value_to_string(const Value& v) {
  if (is_text(v)) return std::get<std::string>(v);
  if (is_number(v)) return std::to_string(std::get<std::int64_t>(v));
  std::string out;
  for (const auto& item : std::get<List>(v)) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace tandem
