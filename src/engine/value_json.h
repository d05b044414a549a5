// Values and arguments to and from JSON (event bodies, stored state, API views).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "core/value.h"

namespace tandem {

nlohmann::json value_to_json(const Value& value);
// Text, whole numbers and arrays of text; nothing else.
std::optional<Value> value_from_json(const nlohmann::json& j);
nlohmann::json args_to_json(const Args& args);
std::optional<Args> args_from_json(const nlohmann::json& j);

}  // namespace tandem
