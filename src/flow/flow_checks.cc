#include "flow/flow_checks.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>

namespace tandem {
namespace {

enum class Truth { False, True, Unknown };

// Evaluates a condition knowing only one variable's value; anything else is Unknown.
Truth evaluate_knowing(const Condition& c, const std::string& var, const Value& value) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::All: {
      Truth out = Truth::True;
      for (const auto& child : c.children) {
        Truth t = evaluate_knowing(child, var, value);
        if (t == Truth::False) return Truth::False;
        if (t == Truth::Unknown) out = Truth::Unknown;
      }
      return out;
    }
    case Op::Any: {
      Truth out = Truth::False;
      for (const auto& child : c.children) {
        Truth t = evaluate_knowing(child, var, value);
        if (t == Truth::True) return Truth::True;
        if (t == Truth::Unknown) out = Truth::Unknown;
      }
      return out;
    }
    case Op::Not: {
      Truth t = evaluate_knowing(c.children.at(0), var, value);
      return t == Truth::Unknown ? t : (t == Truth::True ? Truth::False : Truth::True);
    }
    default: {
      if (c.var != var) return Truth::Unknown;
      struct One final : VariableLookup {
        const std::string& name;
        const Value& value;
        One(const std::string& n, const Value& v) : name(n), value(v) {}
        const Value* lookup(const std::string& n) const override { return n == name ? &value : nullptr; }
      } lookup(var, value);
      return evaluate(c, lookup) ? Truth::True : Truth::False;
    }
  }
}

// Where a step can go once `var` is known to hold `value` (branches that cannot match are cut).
std::vector<std::size_t> successors_knowing(const Step& step, const std::string& var, const Value& value) {
  if (step.kind != StepKind::Branch) return successors(step);
  std::vector<std::size_t> out;
  for (const Rule& rule : step.rules) {
    Truth t = evaluate_knowing(rule.when, var, value);
    if (t == Truth::False) continue;
    out.push_back(rule.target_index);
    if (t == Truth::True) return out;
  }
  out.push_back(step.next);
  return out;
}

bool captures(const Step& step, const std::string& var) {
  if (step.capture.empty()) return false;
  if (step.capture == var) return true;
  bool both = step.kind == StepKind::Private || (step.kind == StepKind::Ask && step.to == Audience::Both);
  return both && (var == step.capture + "_a" || var == step.capture + "_b");
}

}  // namespace

std::vector<std::size_t> successors(const Step& step) {
  std::vector<std::size_t> out;
  auto add = [&](std::size_t i) {
    if (i != kNoStep && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  };
  for (const Rule& rule : step.rules) add(rule.target_index);
  add(step.next);
  add(step.when_low_index);
  add(step.decline_index);
  return out;
}

void check_graph(const Flow& flow, const GraphReport& report) {
  const std::size_t n = flow.steps.size();
  if (n == 0) return;

  // Reachable from the first step.
  std::vector<bool> reached(n, false);
  std::deque<std::size_t> queue = {0};
  reached[0] = true;
  while (!queue.empty()) {
    std::size_t i = queue.front();
    queue.pop_front();
    for (std::size_t next : successors(flow.steps[i]))
      if (!reached[next]) {
        reached[next] = true;
        queue.push_back(next);
      }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!reached[i]) report(flow.steps[i], flow.steps[i].pointer, "step \"" + flow.steps[i].id + "\" can never be reached");

  // Steps from which an end can be reached (walking the edges backwards from every end).
  std::vector<std::vector<std::size_t>> into(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t next : successors(flow.steps[i])) into[next].push_back(i);
  std::vector<bool> ends(n, false);
  for (std::size_t i = 0; i < n; ++i)
    if (flow.steps[i].kind == StepKind::End) {
      ends[i] = true;
      queue.push_back(i);
    }
  while (!queue.empty()) {
    std::size_t i = queue.front();
    queue.pop_front();
    for (std::size_t prev : into[i])
      if (!ends[prev]) {
        ends[prev] = true;
        queue.push_back(prev);
      }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (reached[i] && !ends[i])
      report(flow.steps[i], flow.steps[i].pointer, "step \"" + flow.steps[i].id + "\" is a dead end: the flow can never end from here");

  // Invariant 3: after a soft no, the flow must not come back to the same proposal. A path that
  // captures the proposal again (a new one) is fine; one that returns to the question is not.
  for (std::size_t i = 0; i < n; ++i) {
    const Step& ask = flow.steps[i];
    auto soft_no = std::find_if(ask.options.begin(), ask.options.end(), [](const Option& o) { return o.consent == "soft_no"; });
    if (soft_no == ask.options.end()) continue;
    Value declined{soft_no->value};
    std::vector<bool> seen(n, false);
    for (std::size_t next : successors(ask)) queue.push_back(next);
    std::optional<std::size_t> via;
    while (!queue.empty()) {
      std::size_t j = queue.front();
      queue.pop_front();
      if (j == i) {
        via = j;
        break;
      }
      if (seen[j]) continue;
      seen[j] = true;
      const Step& step = flow.steps[j];
      if (!ask.proposal.empty() && captures(step, ask.proposal)) continue;  // a new proposal
      if (captures(step, ask.capture)) continue;                             // the answer is asked anew elsewhere
      for (std::size_t next : successors_knowing(step, ask.capture, declined)) queue.push_back(next);
    }
    queue.clear();
    if (via)
      report(ask, ask.pointer, "step \"" + ask.id + "\": after \"" + soft_no->value +
                                   "\" the flow can come back to this same proposal; a soft no must move on");
  }

  // Invariant 4 and 6 together: nothing escalates unless a comfort check came first on every way there.
  std::vector<bool> unchecked(n, false);
  queue.push_back(0);
  unchecked[0] = true;
  while (!queue.empty()) {
    std::size_t i = queue.front();
    queue.pop_front();
    const Step& step = flow.steps[i];
    if (step.comfort) continue;
    for (std::size_t next : successors(step))
      if (!unchecked[next]) {
        unchecked[next] = true;
        queue.push_back(next);
      }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Step& step = flow.steps[i];
    if (step.escalates && unchecked[i])
      report(step, step.pointer, "step \"" + step.id + "\" escalates, but a path reaches it without a comfort check first");
  }
}

}  // namespace tandem
