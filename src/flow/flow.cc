#include "flow/flow.h"

#include <algorithm>

namespace tandem {

const Step* Flow::find(const std::string& step_id) const {
  auto it = step_index.find(step_id);
  return it == step_index.end() ? nullptr : &steps[it->second];
}

std::vector<std::string> Flow::message_keys() const {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  add(title);
  add(description);
  for (const Step& s : steps) {
    add(s.message);
    add(s.prompt);
    for (const Option& o : s.options) add(o.label);
    add(s.low);
    add(s.high);
    const ReflectPrompts& r = s.reflect;
    for (const std::string* k : {&r.mirror, &r.check, &r.got_it, &r.more, &r.clarify, &r.again, &r.enough}) add(*k);
  }
  return keys;
}

int Flow::rounds() const {
  return 1 + static_cast<int>(std::count_if(steps.begin(), steps.end(),
                                             [](const Step& s) { return s.kind == StepKind::Swap; }));
}

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::Say: return "say";
    case StepKind::Ask: return "ask";
    case StepKind::Reflect: return "reflect";
    case StepKind::Swap: return "swap";
    case StepKind::Branch: return "branch";
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
    case InputType::Scale: return "scale";
  }
  return "";
}

}  // namespace tandem
