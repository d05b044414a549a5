#include "engine/value_json.h"

namespace tandem {

using nlohmann::json;

json value_to_json(const Value& v) {
  if (is_text(v)) return std::get<std::string>(v);
  if (is_number(v)) return std::get<std::int64_t>(v);
  return std::get<List>(v);
}

std::optional<Value> value_from_json(const json& j) {
  if (j.is_string()) return Value{j.get<std::string>()};
  if (j.is_number_integer()) return Value{j.get<std::int64_t>()};
  if (j.is_array()) {
    List list;
    for (const auto& item : j) {
      if (!item.is_string()) return std::nullopt;
      list.push_back(item.get<std::string>());
    }
    return Value{std::move(list)};
  }
  return std::nullopt;
}

json args_to_json(const Args& args) {
  json out = json::object();
  for (const auto& [name, value] : args) out[name] = value_to_json(value);
  return out;
}

std::optional<Args> args_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  Args args;
  for (const auto& [name, value] : j.items()) {
    auto v = value_from_json(value);
    if (!v) return std::nullopt;
    args[name] = *v;
  }
  return args;
}

}  // namespace tandem
