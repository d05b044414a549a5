// libFuzzer target: the fuzzer's bytes are the "if" of a branch rule in a fixed, otherwise valid
// flow. The flow goes through load_flow (so the condition is parsed and checked exactly as a
// therapist's file would be); when it loads, the rule is evaluated against several sets of
// variables — nothing answered yet, realistic answers, numbers at the extremes, lists, empty
// values — and must behave like a boolean function of them. Built only with -DTANDEM_FUZZ=ON.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "flow/condition.h"
#include "flow/flow.h"
#include "flow/flow_loader.h"

namespace {

using tandem::Condition;
using tandem::List;
using tandem::Value;

// Every kind of variable a condition may read: text, a choice asked of both (_a/_b), a scale, a
// several-choices list, a private list's reveal (_shared/_maybe), parameters and built-ins.
constexpr std::string_view kBefore = R"({
  "format": 1, "id": "fuzz-conditions", "version": "1", "title": "title", "description": "description",
  "params": { "limit": { "type": "number", "default": 3 }, "topic": { "type": "text", "default": "chores" } },
  "steps": [
    { "id": "mood", "kind": "ask", "to": "speaker", "input": "text", "prompt": "mood", "capture": "mood" },
    { "id": "good-time", "kind": "ask", "to": "both", "input": "choice", "prompt": "good_time", "capture": "good_time",
      "options": [ { "value": "yes", "label": "yes" }, { "value": "later", "label": "later" } ] },
    { "id": "rate", "kind": "ask", "to": "listener", "input": "scale", "prompt": "rate", "capture": "rating",
      "low": "low", "high": "high" },
    { "id": "pick", "kind": "ask", "to": "speaker", "input": "multi", "prompt": "pick", "capture": "chosen",
      "options": [ { "value": "walk", "label": "walk" }, { "value": "talk", "label": "talk" },
                   { "value": "cook", "label": "cook" } ] },
    { "id": "wishes", "kind": "private", "prompt": "wishes", "capture": "wishes", "items": ["hug", "walk"],
      "reveal": { "shared": "shared", "none": "none", "maybes": "maybes" } },
    { "id": "route", "kind": "branch", "rules": [ { "if": )";
constexpr std::string_view kAfter = R"(, "goto": "matched" } ], "else": "unmatched" },
    { "id": "matched", "kind": "end", "to": "both", "message": "matched" },
    { "id": "unmatched", "kind": "end", "to": "both", "message": "unmatched" }
  ]
})";

const std::vector<std::string> kNames = {"mood",    "good_time_a",   "good_time_b", "rating",
                                         "chosen",  "wishes_shared", "wishes_maybe", "swaps",
                                         "limit",   "topic",         "agreement_version",
                                         "agreement_changed", "agreement_pause_word"};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_conditions: invariant violated: %s\n", what);
  std::abort();
}

// Named values, plus an optional value for every other name.
class Vars final : public tandem::VariableLookup {
 public:
  Vars() = default;
  Vars(std::map<std::string, Value> values) : values_(std::move(values)) {}
  static Vars every(Value v) {
    Vars vars;
    vars.every_ = std::move(v);
    vars.has_every_ = true;
    return vars;
  }
  const Value* lookup(const std::string& name) const override {
    auto it = values_.find(name);
    if (it != values_.end()) return &it->second;
    return has_every_ ? &every_ : nullptr;
  }

 private:
  std::map<std::string, Value> values_;
  Value every_;
  bool has_every_ = false;
};

std::vector<Vars> variable_sets() {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::vector<Vars> sets;
  sets.emplace_back();  // nothing answered yet
  sets.emplace_back(std::map<std::string, Value>{  // as a session starts
      {"swaps", std::int64_t{0}}, {"agreement_version", std::int64_t{0}}, {"agreement_changed", List{}},
      {"limit", std::int64_t{3}}, {"topic", std::string("chores")}});
  sets.emplace_back(std::map<std::string, Value>{  // a realistic walk
      {"mood", std::string("calm")}, {"good_time_a", std::string("yes")}, {"good_time_b", std::string("later")},
      {"rating", std::int64_t{7}}, {"chosen", List{"walk", "cook"}}, {"wishes_shared", List{"hug"}},
      {"wishes_maybe", List{}}, {"swaps", std::int64_t{1}}, {"limit", std::int64_t{3}},
      {"topic", std::string("chores")}, {"agreement_version", std::int64_t{2}},
      {"agreement_changed", List{"pause_word"}}, {"agreement_pause_word", std::string("pineapple")}});
  sets.emplace_back(std::map<std::string, Value>{  // every type in an unexpected place
      {"mood", std::int64_t{kMin}}, {"good_time_a", List{"yes"}}, {"good_time_b", std::int64_t{kMax}},
      {"rating", std::string("7")}, {"chosen", std::string("walk")}, {"wishes_shared", std::int64_t{-1}},
      {"swaps", List{}}, {"limit", std::string()}});
  for (Value v : {Value{std::int64_t{kMin}}, Value{std::int64_t{-1}}, Value{std::int64_t{0}}, Value{std::int64_t{5}},
                  Value{std::int64_t{kMax}}, Value{std::string()}, Value{std::string("yes")}, Value{List{}},
                  Value{List{"walk", "yes", "later"}}, Value{List{""}}})
    sets.push_back(Vars::every(std::move(v)));
  return sets;
}

std::string flow_text(std::string_view condition) {
  std::string text;
  text.reserve(kBefore.size() + condition.size() + kAfter.size());
  text.append(kBefore).append(condition).append(kAfter);
  return text;
}

const Condition* branch_condition(const tandem::Flow& flow) {
  const tandem::Step* route = flow.find("route");
  if (!route || route->kind != tandem::StepKind::Branch || route->rules.size() != 1) return nullptr;
  return &route->rules[0].when;
}

// A condition the loader accepted only reads known names and has well-formed children.
void check_shape(const Condition& c) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::All:
    case Op::Any:
      if (c.children.empty()) fail("all/any without children");
      break;
    case Op::Not:
      if (c.children.size() != 1) fail("not without exactly one child");
      break;
    default:
      if (!c.children.empty()) fail("a comparison with children");
      if (c.var.empty()) fail("a comparison without a variable");
  }
  for (const Condition& child : c.children) check_shape(child);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The template itself must load, or the target would only ever exercise error paths.
  for (std::string_view good : {R"({"var": "mood", "eq": "calm"})", R"({"any": [{"var": "chosen", "has": "walk"},
                                {"not": {"var": "rating", "lt": 4}}, {"var": "good_time_a", "in": ["yes", 1, ["a"]]}]})"}) {
    tandem::FlowLoad load = tandem::load_flow(flow_text(good), "dialogs/fuzz-conditions.json");
    if (!load.flow) {
      for (const auto& d : load.errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      fail("the template flow does not load with a valid condition");
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view condition(reinterpret_cast<const char*>(data), size);
  tandem::FlowLoad load = tandem::load_flow(flow_text(condition), "dialogs/fuzz-conditions.json");
  if (!load.flow) {
    if (load.errors.empty()) fail("no flow and no error");
    for (const auto& d : load.errors) (void)d.to_string();
    return 0;
  }
  // The input may have closed the rule and written more JSON; only a flow shaped like the
  // template has the rule we look for.
  const Condition* when = branch_condition(*load.flow);
  if (!when) return 0;
  check_shape(*when);
  std::vector<std::string> used;
  tandem::collect_variables(*when, used);
  for (const std::string& name : used) {
    bool known = std::find(kNames.begin(), kNames.end(), name) != kNames.end() ||
                 (name.starts_with("agreement_") && name.size() > 10);
    if (!known) fail("the loader accepted a condition on an unknown or private variable");
  }

  static const std::vector<Vars> sets = variable_sets();
  Condition negated;
  negated.op = Condition::Op::Not;
  negated.children.push_back(*when);
  Condition all, any;
  all.op = Condition::Op::All;
  all.children.push_back(*when);
  any.op = Condition::Op::Any;
  any.children.push_back(*when);
  for (const Vars& vars : sets) {
    bool result = tandem::evaluate(*when, vars);
    if (tandem::evaluate(*when, vars) != result) fail("evaluate is not deterministic");
    if (tandem::evaluate(negated, vars) == result) fail("not(c) == c");
    if (tandem::evaluate(all, vars) != result) fail("all[c] != c");
    if (tandem::evaluate(any, vars) != result) fail("any[c] != c");
  }
  return 0;
}
