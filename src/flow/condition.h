// Branch conditions: a small rule language that flows hold as data (see docs/flow-format.md).
//   {"var": "answer", "eq": "yes"}          compare a captured value (eq ne lt le gt ge)
//   {"var": "answer", "in": ["yes", "x"]}   membership
//   {"var": "chosen", "has": "walk"}         a list (several choices, a revealed list) contains
//   {"var": "wishes_maybe", "eq": []}        a list is empty
//   {"all": [...]}  {"any": [...]}  {"not": {...}}
#pragma once

#include <string>
#include <vector>

#include "core/value.h"

namespace tandem {

struct Condition {
  enum class Op { Eq, Ne, Lt, Le, Gt, Ge, In, Has, All, Any, Not };
  Op op = Op::Eq;
  std::string var;
  Value operand;
  std::vector<Value> set;             // In
  std::vector<Condition> children;    // All, Any, Not (one child)
};

// Looks up variables by name; returns nullptr when a variable has no value yet.
class VariableLookup {
 public:
  virtual ~VariableLookup() = default;
  virtual const Value* lookup(const std::string& name) const = 0;
};

// A missing variable makes every comparison false (and "ne" true). Ordering comparisons need
// two numbers; equality compares text with text and numbers with numbers.
bool evaluate(const Condition& condition, const VariableLookup& vars);

// Every variable name the condition reads.
void collect_variables(const Condition& condition, std::vector<std::string>& out);

}  // namespace tandem
