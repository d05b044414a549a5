#include "flow/flow.h"

#include <algorithm>
#include <stdexcept>

namespace tandem {

const Step* Flow::find(const std::string& step_id) const {
  auto it = step_index.find(step_id);
  return it == step_index.end() ? nullptr : &steps[it->second];
}

std::vector<std::string> Flow::message_keys(const Step& s) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  add(s.message);
  add(s.prompt);
  for (const Option& o : s.options) add(o.label);
  add(s.low);
  add(s.high);
  add(s.label);
  const ReflectPrompts& r = s.reflect;
  for (const std::string* k : {&r.mirror, &r.check, &r.got_it, &r.more, &r.clarify, &r.again, &r.enough}) add(*k);
  for (const std::string& item : s.items) add(item);
  add(s.reveal.shared);
  add(s.reveal.none);
  add(s.reveal.maybes);
  for (const auto& [field, variable] : s.fields) add("field." + field);  // labels for "what changed"
  return keys;
}

std::vector<std::string> Flow::message_keys() const {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  add(title);
  add(description);
  for (const Step& s : steps)
    for (const std::string& key : message_keys(s)) add(key);
  return keys;
}

std::vector<std::string> Flow::calls() const {
  std::vector<std::string> out;
  for (const Step& s : steps)
    if (s.kind == StepKind::Call && std::find(out.begin(), out.end(), s.flow) == out.end()) out.push_back(s.flow);
  return out;
}

int Flow::rounds() const {
  return 1 + static_cast<int>(std::count_if(steps.begin(), steps.end(),
                                             [](const Step& s) { return s.kind == StepKind::Swap; }));
}

FlowSet FlowSet::single(FlowPtr flow) {
  FlowSet set;
  set.flows[flow->id] = flow;
  set.root = std::move(flow);
  return set;
}

const Flow& FlowSet::get(const std::string& id) const {
  if (id.empty()) return *root;
  auto it = flows.find(id);
  if (it == flows.end()) throw std::logic_error("flow \"" + id + "\" is not part of this session");
  return *it->second;
}

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::Say: return "say";
    case StepKind::Ask: return "ask";
    case StepKind::Reflect: return "reflect";
    case StepKind::Private: return "private";
    case StepKind::Swap: return "swap";
    case StepKind::Timer: return "timer";
    case StepKind::Branch: return "branch";
    case StepKind::Agreement: return "agreement";
    case StepKind::Call: return "call";
    case StepKind::End: return "end";
  }
  return "";
}

std::string_view to_string(Audience audience) {
  switch (audience) {
    case Audience::A: return "a";
    case Audience::B: return "b";
    case Audience::Both: return "both";
    case Audience::Speaker: return "speaker";
    case Audience::Listener: return "listener";
  }
  return "";
}

std::string_view to_string(InputType input) {
  switch (input) {
    case InputType::Text: return "text";
    case InputType::Choice: return "choice";
    case InputType::Multi: return "multi";
    case InputType::Scale: return "scale";
    case InputType::Feeling: return "feeling";
    case InputType::YesMaybeNo: return "yes_maybe_no";
    case InputType::Confirm: return "confirm";
  }
  return "";
}

const Pacing* find_pacing(const std::string& name) {
  // Box breathing 4-4-4-4; 4-7-8 for up to four cycles; resonance ~5.5 s in and out (METHODS.md).
  static const Pacing presets[] = {
      {"none", 0, 0, 0, 0, 0},
      {"box", 4000, 4000, 4000, 4000, 0},
      {"4-7-8", 4000, 7000, 8000, 0, 4},
      {"resonance", 5500, 0, 5500, 0, 0},
  };
  for (const Pacing& p : presets)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace tandem
