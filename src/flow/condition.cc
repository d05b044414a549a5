#include "flow/condition.h"

#include <algorithm>

namespace tandem {
namespace {

bool compare(Condition::Op op, const Value& actual, const Value& expected) {
  using Op = Condition::Op;
  if (op == Op::Eq) return actual == expected;
  if (op == Op::Ne) return actual != expected;
  if (!is_number(actual) || !is_number(expected)) return false;
  auto a = std::get<std::int64_t>(actual);
  auto b = std::get<std::int64_t>(expected);
  switch (op) {
    case Op::Lt: return a < b;
    case Op::Le: return a <= b;
    case Op::Gt: return a > b;
    case Op::Ge: return a >= b;
    default: return false;
  }
}

}  // namespace

bool evaluate(const Condition& c, const VariableLookup& vars) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::All:
      for (const auto& child : c.children)
        if (!evaluate(child, vars)) return false;
      return true;
    case Op::Any:
      for (const auto& child : c.children)
        if (evaluate(child, vars)) return true;
      return false;
    case Op::Not:
      return !evaluate(c.children.at(0), vars);
    case Op::Has: {
      const Value* actual = vars.lookup(c.var);
      if (!actual || !is_list(*actual) || !is_text(c.operand)) return false;
      const List& list = std::get<List>(*actual);
      return std::find(list.begin(), list.end(), std::get<std::string>(c.operand)) != list.end();
    }
    case Op::In: {
      const Value* actual = vars.lookup(c.var);
      if (!actual) return false;
      for (const auto& v : c.set)
        if (*actual == v) return true;
      return false;
    }
    default: {
      const Value* actual = vars.lookup(c.var);
      if (!actual) return c.op == Op::Ne;
      return compare(c.op, *actual, c.operand);
    }
  }
}

void collect_variables(const Condition& c, std::vector<std::string>& out) {
  if (!c.var.empty()) out.push_back(c.var);
  for (const auto& child : c.children) collect_variables(child, out);
}

}  // namespace tandem
