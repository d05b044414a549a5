#include "flow/graph.h"

#include <sstream>

namespace tandem {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Second line of a node's label: what the step does, and for whom.
std::string summary(const Step& s) {
  std::string kind(to_string(s.kind));
  switch (s.kind) {
    case StepKind::Ask: return "ask " + std::string(to_string(s.input)) + " → " + std::string(to_string(s.to)) + (s.comfort ? " (comfort check)" : "");
    case StepKind::Say:
    case StepKind::End:
    case StepKind::Timer: return kind + " → " + std::string(to_string(s.to));
    case StepKind::Call: return "call " + s.flow;
    case StepKind::Agreement: return std::string("agreement ") + (s.write ? "write" : "read");
    case StepKind::Private: return "private list → both";
    case StepKind::Reflect: return "reflect: listener mirrors";
    default: return kind;
  }
}

}  // namespace

std::string to_dot(const Flow& flow) {
  std::ostringstream dot;
  dot << "digraph " << quoted(flow.id) << " {\n";
  dot << "  rankdir=TB;\n";
  dot << "  node [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=11];\n";
  dot << "  edge [fontname=\"sans-serif\", fontsize=9];\n";
  for (const Step& s : flow.steps) {
    dot << "  " << quoted(s.id) << " [label=" << quoted(s.id + "\n" + summary(s));
    if (s.kind == StepKind::Branch) dot << ", shape=diamond, style=\"\"";
    if (s.kind == StepKind::End) dot << ", peripheries=2";
    if (s.escalates) dot << ", color=\"#b5651d\"";
    dot << "];\n";
  }
  for (const Step& s : flow.steps) {
    auto edge = [&](std::size_t target, const std::string& label, bool dashed) {
      if (target == kNoStep) return;
      dot << "  " << quoted(s.id) << " -> " << quoted(flow.steps[target].id);
      if (!label.empty() || dashed) {
        dot << " [";
        if (!label.empty()) dot << "label=" << quoted(label);
        if (dashed) dot << (label.empty() ? "" : ", ") << "style=dashed";
        dot << "]";
      }
      dot << ";\n";
    };
    for (std::size_t r = 0; r < s.rules.size(); ++r) edge(s.rules[r].target_index, "rule " + std::to_string(r + 1), false);
    edge(s.next, s.kind == StepKind::Branch ? "else" : "", false);
    edge(s.when_low_index, "comfort low", true);
    edge(s.decline_index, "check-in: not now", true);
  }
  dot << "}\n";
  return dot.str();
}

}  // namespace tandem
