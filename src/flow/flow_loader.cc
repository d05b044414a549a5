#include "flow/flow_loader.h"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "flow/json_positions.h"

namespace tandem {

using nlohmann::json;

std::string Diagnostic::to_string() const {
  return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

const std::set<std::string> kCommonFields = {"id", "kind", "next", "args"};
const std::map<std::string, std::set<std::string>> kKindFields = {
    {"say", {"to", "message"}},
    {"ask", {"to", "input", "prompt", "capture", "options", "min", "max", "low", "high"}},
    {"reflect", {"capture", "max_rounds", "prompts"}},
    {"swap", {"message"}},
    {"branch", {"rules", "else"}},
    {"end", {"to", "message"}},
};
const std::vector<std::string> kReflectPrompts = {"mirror", "check", "got_it", "more",
                                                  "clarify", "again", "enough"};
const std::set<std::string> kRoleArgs = {"a", "b", "speaker", "listener"};

bool is_identifier(const std::string& s) {
  static const std::regex pattern("[a-z][a-z0-9_]*");
  return std::regex_match(s, pattern);
}

bool is_flow_id(const std::string& s) {
  static const std::regex pattern("[a-z0-9]+(-[a-z0-9]+)*");
  return std::regex_match(s, pattern);
}

bool is_message_key(const std::string& s) {
  static const std::regex pattern("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
  return std::regex_match(s, pattern);
}

class Loader {
 public:
  Loader(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  FlowLoad run() {
    FlowLoad result;
    json doc;
    try {
      doc = json::parse(text_, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
      std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
      TextPosition at = JsonPositions::of_offset(text_, offset);
      std::string what = e.what();
      auto column = what.find("column ");
      auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
      std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
      result.errors.push_back({path_, at.line, at.column, "", "invalid JSON: " + reason});
      return result;
    }
    positions_ = std::make_unique<JsonPositions>(text_);

    auto flow = std::make_shared<Flow>();
    flow->path = path_;
    flow->source = std::string(text_);
    flow->hash = content_hash(text_);
    if (!doc.is_object()) {
      error("", "a flow must be a JSON object");
      result.errors = std::move(errors_);
      return result;
    }
    read_header(doc, *flow);
    read_steps(doc, *flow);
    resolve(*flow);  // even after step errors, so every problem is reported at once
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.flow = std::move(flow);
    return result;
  }

 private:
  void error(const std::string& pointer, const std::string& message) {
    TextPosition at = positions_ ? positions_->at(pointer) : TextPosition{};
    errors_.push_back({path_, at.line, at.column, pointer, message});
  }

  // Typed field readers: report and return false on a wrong type or a missing required field.
  bool text_field(const json& obj, const std::string& pointer, const std::string& prefix,
                  const std::string& name, std::string& out, bool required) {
    auto it = obj.find(name);
    if (it == obj.end()) {
      if (required) error(pointer, prefix + "missing \"" + name + "\"");
      return false;
    }
    if (!it->is_string()) {
      error(pointer + "/" + pointer_token(name), prefix + "\"" + name + "\" must be text");
      return false;
    }
    out = it->get<std::string>();
    return true;
  }

  bool int_field(const json& obj, const std::string& pointer, const std::string& prefix,
                 const std::string& name, int& out, bool required) {
    auto it = obj.find(name);
    if (it == obj.end()) {
      if (required) error(pointer, prefix + "missing \"" + name + "\"");
      return false;
    }
    if (!it->is_number_integer()) {
      error(pointer + "/" + pointer_token(name), prefix + "\"" + name + "\" must be a whole number");
      return false;
    }
    out = it->get<int>();
    return true;
  }

  void key_field(const json& obj, const std::string& pointer, const std::string& prefix,
                 const std::string& name, std::string& out, bool required = true) {
    if (text_field(obj, pointer, prefix, name, out, required) && !is_message_key(out)) {
      error(pointer + "/" + pointer_token(name),
            prefix + "\"" + out + "\" is not a valid message key (use lowercase words joined by \".\" or \"_\")");
    }
  }

  void read_header(const json& doc, Flow& flow) {
    const std::set<std::string> known = {"$schema", "format", "id", "version", "title",
                                         "description", "minutes", "steps"};
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (!known.count(it.key())) error("/" + pointer_token(it.key()), "unknown field \"" + it.key() + "\"");
    }
    if (int_field(doc, "", "", "format", flow.format, true) && flow.format != kFlowFormat) {
      error("/format", "format " + std::to_string(flow.format) + " is not supported (this Tandem reads format " +
                           std::to_string(kFlowFormat) + ")");
    }
    if (text_field(doc, "", "", "id", flow.id, true) && !is_flow_id(flow.id)) {
      error("/id", "flow id \"" + flow.id + "\" must use lowercase letters, digits and single hyphens");
    }
    text_field(doc, "", "", "version", flow.version, true);
    key_field(doc, "", "", "title", flow.title);
    key_field(doc, "", "", "description", flow.description);
    if (int_field(doc, "", "", "minutes", flow.minutes, false) && flow.minutes < 1) {
      error("/minutes", "\"minutes\" must be at least 1");
    }
  }

  void read_steps(const json& doc, Flow& flow) {
    auto it = doc.find("steps");
    if (it == doc.end()) {
      error("", "missing \"steps\"");
      return;
    }
    if (!it->is_array() || it->empty()) {
      error("/steps", "\"steps\" must list at least one step");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string pointer = "/steps/" + std::to_string(i);
      const json& s = (*it)[i];
      if (!s.is_object()) {
        error(pointer, "step " + std::to_string(i + 1) + " must be a JSON object");
        continue;
      }
      Step step;
      step.pointer = pointer;
      TextPosition at = positions_->at(pointer);
      step.line = at.line;
      step.column = at.column;
      if (!text_field(s, pointer, "step " + std::to_string(i + 1) + ": ", "id", step.id, true)) continue;
      std::string prefix = "step \"" + step.id + "\": ";
      if (!is_flow_id(step.id)) {
        error(pointer + "/id", prefix + "id must use lowercase letters, digits and single hyphens");
      }
      auto [existing, inserted] = flow.step_index.emplace(step.id, flow.steps.size());
      if (!inserted) {
        error(pointer + "/id", prefix + "id already used by the step at line " +
                                   std::to_string(flow.steps[existing->second].line));
        continue;
      }
      read_step(s, pointer, prefix, step);
      flow.steps.push_back(std::move(step));
    }
  }

  void read_step(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    std::string kind;
    if (!text_field(s, pointer, prefix, "kind", kind, true)) return;
    auto fields = kKindFields.find(kind);
    if (fields == kKindFields.end()) {
      error(pointer + "/kind", prefix + "unknown kind \"" + kind +
                                   "\" (expected say, ask, reflect, swap, branch or end)");
      return;
    }
    for (auto it = s.begin(); it != s.end(); ++it) {
      bool allowed = (kCommonFields.count(it.key()) && !(kind == "branch" && it.key() == "next") &&
                      !(kind == "end" && it.key() == "next")) ||
                     fields->second.count(it.key());
      if (!allowed) error(pointer + "/" + pointer_token(it.key()), prefix + "unknown field \"" + it.key() + "\" for a " + kind + " step");
    }
    text_field(s, pointer, prefix, kind == "branch" ? "else" : "next", step.next_id, false);
    read_args(s, pointer, prefix, step);

    if (kind == "say") {
      step.kind = StepKind::Say;
      read_audience(s, pointer, prefix, step, true);
      key_field(s, pointer, prefix, "message", step.message);
    } else if (kind == "ask") {
      step.kind = StepKind::Ask;
      read_audience(s, pointer, prefix, step, true);
      read_ask(s, pointer, prefix, step);
    } else if (kind == "reflect") {
      step.kind = StepKind::Reflect;
      read_reflect(s, pointer, prefix, step);
    } else if (kind == "swap") {
      step.kind = StepKind::Swap;
      key_field(s, pointer, prefix, "message", step.message, false);
    } else if (kind == "branch") {
      step.kind = StepKind::Branch;
      read_rules(s, pointer, prefix, step);
    } else {
      step.kind = StepKind::End;
      read_audience(s, pointer, prefix, step, false);
      key_field(s, pointer, prefix, "message", step.message);
    }
  }

  void read_args(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    auto it = s.find("args");
    if (it == s.end()) return;
    if (!it->is_array()) {
      error(pointer + "/args", prefix + "\"args\" must be a list of names");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      if (!a.is_string() || !is_identifier(a.get<std::string>())) {
        error(pointer + "/args/" + std::to_string(i), prefix + "each argument must be a name like \"speaker\" or \"proposal\"");
        continue;
      }
      step.args.push_back(a.get<std::string>());
    }
  }

  void read_audience(const json& s, const std::string& pointer, const std::string& prefix, Step& step,
                     bool required) {
    std::string to;
    if (!text_field(s, pointer, prefix, "to", to, required)) return;
    static const std::map<std::string, Audience> names = {{"a", Audience::A},
                                                          {"b", Audience::B},
                                                          {"both", Audience::Both},
                                                          {"speaker", Audience::Speaker},
                                                          {"listener", Audience::Listener}};
    auto it = names.find(to);
    if (it == names.end()) {
      error(pointer + "/to", prefix + "\"to\" must be a, b, both, speaker or listener, not \"" + to + "\"");
      return;
    }
    step.to = it->second;
  }

  void read_ask(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    key_field(s, pointer, prefix, "prompt", step.prompt);
    if (text_field(s, pointer, prefix, "capture", step.capture, true) && !is_identifier(step.capture)) {
      error(pointer + "/capture", prefix + "\"capture\" must be a name like \"proposal\"");
    }
    std::string input;
    if (!text_field(s, pointer, prefix, "input", input, true)) return;
    if (input == "text") {
      step.input = InputType::Text;
    } else if (input == "choice") {
      step.input = InputType::Choice;
      read_options(s, pointer, prefix, step);
    } else if (input == "scale") {
      step.input = InputType::Scale;
      int_field(s, pointer, prefix, "min", step.min, false);
      int_field(s, pointer, prefix, "max", step.max, false);
      if (step.min >= step.max) error(pointer, prefix + "scale \"min\" must be less than \"max\"");
      key_field(s, pointer, prefix, "low", step.low);
      key_field(s, pointer, prefix, "high", step.high);
    } else {
      error(pointer + "/input", prefix + "unknown input \"" + input + "\" (expected text, choice or scale)");
    }
    if (step.input != InputType::Choice && s.contains("options"))
      error(pointer + "/options", prefix + "\"options\" only belong to a choice");
  }

  void read_options(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    auto it = s.find("options");
    if (it == s.end() || !it->is_array() || it->size() < 2) {
      error(it == s.end() ? pointer : pointer + "/options", prefix + "a choice needs at least two options");
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string op = pointer + "/options/" + std::to_string(i);
      const json& o = (*it)[i];
      std::string oprefix = prefix + "option " + std::to_string(i + 1) + ": ";
      if (!o.is_object()) {
        error(op, oprefix + "must be a JSON object with \"value\" and \"label\"");
        continue;
      }
      for (auto f = o.begin(); f != o.end(); ++f) {
        if (f.key() != "value" && f.key() != "label" && f.key() != "consent")
          error(op + "/" + pointer_token(f.key()), oprefix + "unknown field \"" + f.key() + "\"");
      }
      Option option;
      if (text_field(o, op, oprefix, "value", option.value, true)) {
        if (!is_identifier(option.value))
          error(op + "/value", oprefix + "\"value\" must be a name like \"soft_no\"");
        else if (!seen.insert(option.value).second)
          error(op + "/value", oprefix + "value \"" + option.value + "\" is used twice");
      }
      key_field(o, op, oprefix, "label", option.label);
      if (text_field(o, op, oprefix, "consent", option.consent, false) && option.consent != "yes" &&
          option.consent != "tentative" && option.consent != "soft_no") {
        error(op + "/consent", oprefix + "unknown consent \"" + option.consent + "\" (expected yes, tentative or soft_no)");
      }
      step.options.push_back(std::move(option));
    }
  }

  void read_reflect(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    step.to = Audience::Listener;
    if (text_field(s, pointer, prefix, "capture", step.capture, true) && !is_identifier(step.capture)) {
      error(pointer + "/capture", prefix + "\"capture\" must be a name like \"mirrored\"");
    }
    if (int_field(s, pointer, prefix, "max_rounds", step.max_rounds, false) &&
        (step.max_rounds < 1 || step.max_rounds > 10)) {
      error(pointer + "/max_rounds", prefix + "\"max_rounds\" must be between 1 and 10");
    }
    auto it = s.find("prompts");
    if (it == s.end() || !it->is_object()) {
      error(it == s.end() ? pointer : pointer + "/prompts",
            prefix + "a reflect step needs \"prompts\" with " + join(kReflectPrompts));
      return;
    }
    std::string pp = pointer + "/prompts";
    for (auto f = it->begin(); f != it->end(); ++f) {
      if (std::find(kReflectPrompts.begin(), kReflectPrompts.end(), f.key()) == kReflectPrompts.end())
        error(pp + "/" + pointer_token(f.key()), prefix + "unknown prompt \"" + f.key() + "\"");
    }
    ReflectPrompts& r = step.reflect;
    std::string* slots[] = {&r.mirror, &r.check, &r.got_it, &r.more, &r.clarify, &r.again, &r.enough};
    for (std::size_t i = 0; i < kReflectPrompts.size(); ++i) key_field(*it, pp, prefix, kReflectPrompts[i], *slots[i]);
  }

  void read_rules(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    auto it = s.find("rules");
    if (it == s.end() || !it->is_array() || it->empty()) {
      error(it == s.end() ? pointer : pointer + "/rules", prefix + "a branch needs at least one rule in \"rules\"");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string rp = pointer + "/rules/" + std::to_string(i);
      std::string rprefix = prefix + "rule " + std::to_string(i + 1) + ": ";
      const json& r = (*it)[i];
      if (!r.is_object()) {
        error(rp, rprefix + "must be a JSON object with \"if\" and \"goto\"");
        continue;
      }
      for (auto f = r.begin(); f != r.end(); ++f) {
        if (f.key() != "if" && f.key() != "goto") error(rp + "/" + pointer_token(f.key()), rprefix + "unknown field \"" + f.key() + "\"");
      }
      Rule rule;
      text_field(r, rp, rprefix, "goto", rule.target, true);
      auto cond = r.find("if");
      if (cond == r.end()) {
        error(rp, rprefix + "missing \"if\"");
      } else {
        rule.when = read_condition(*cond, rp + "/if", rprefix);
      }
      step.rules.push_back(std::move(rule));
    }
  }

  Condition read_condition(const json& c, const std::string& pointer, const std::string& prefix) {
    Condition out;
    if (!c.is_object()) {
      error(pointer, prefix + "a condition must be a JSON object");
      return out;
    }
    auto children = [&](const char* name, Condition::Op op) {
      out.op = op;
      const json& list = c[name];
      if (!list.is_array() || list.empty()) {
        error(pointer + "/" + name, prefix + "\"" + name + "\" needs a list of conditions");
        return;
      }
      for (std::size_t i = 0; i < list.size(); ++i)
        out.children.push_back(read_condition(list[i], pointer + "/" + name + "/" + std::to_string(i), prefix));
    };
    if (c.size() == 1 && c.contains("all")) {
      children("all", Condition::Op::All);
    } else if (c.size() == 1 && c.contains("any")) {
      children("any", Condition::Op::Any);
    } else if (c.size() == 1 && c.contains("not")) {
      out.op = Condition::Op::Not;
      out.children.push_back(read_condition(c["not"], pointer + "/not", prefix));
    } else if (c.size() == 2 && c.contains("var")) {
      if (!c["var"].is_string()) {
        error(pointer + "/var", prefix + "\"var\" must be the name of a captured value");
        return out;
      }
      out.var = c["var"].get<std::string>();
      static const std::map<std::string, Condition::Op> ops = {
          {"eq", Condition::Op::Eq}, {"ne", Condition::Op::Ne}, {"lt", Condition::Op::Lt},
          {"le", Condition::Op::Le}, {"gt", Condition::Op::Gt}, {"ge", Condition::Op::Ge},
          {"in", Condition::Op::In}};
      for (auto f = c.begin(); f != c.end(); ++f) {
        if (f.key() == "var") continue;
        auto op = ops.find(f.key());
        if (op == ops.end()) {
          error(pointer + "/" + pointer_token(f.key()),
                prefix + "unknown comparison \"" + f.key() + "\" (expected eq, ne, lt, le, gt, ge or in)");
          return out;
        }
        out.op = op->second;
        std::string vp = pointer + "/" + f.key();
        if (out.op == Condition::Op::In) {
          if (!f->is_array()) {
            error(vp, prefix + "\"in\" needs a list of values");
            return out;
          }
          for (const auto& v : *f) {
            if (auto value = to_value(v)) out.set.push_back(*value);
            else error(vp, prefix + "values must be text or whole numbers");
          }
        } else if (auto value = to_value(*f)) {
          out.operand = *value;
          bool ordering = out.op != Condition::Op::Eq && out.op != Condition::Op::Ne;
          if (ordering && !is_number(*value)) error(vp, prefix + "\"" + f.key() + "\" compares numbers, not text");
        } else {
          error(vp, prefix + "values must be text or whole numbers");
        }
      }
    } else {
      error(pointer, prefix + "a condition is {\"var\": …, \"eq\": …} or has exactly one of \"all\", \"any\", \"not\"");
    }
    return out;
  }

  static std::optional<Value> to_value(const json& v) {
    if (v.is_string()) return Value{v.get<std::string>()};
    if (v.is_number_integer()) return Value{v.get<std::int64_t>()};
    return std::nullopt;
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i) out += i + 1 == names.size() ? " and " : ", ";
      out += "\"" + names[i] + "\"";
    }
    return out;
  }

  // Targets, fall-through, variables and arguments: checks that need the whole flow.
  void resolve(Flow& flow) {
    std::set<std::string> variables = {"swaps"};
    for (const Step& step : flow.steps) {
      if (step.capture.empty()) continue;
      if (step.kind == StepKind::Ask && step.to == Audience::Both) {
        variables.insert(step.capture + "_a");
        variables.insert(step.capture + "_b");
      } else {
        variables.insert(step.capture);
      }
    }
    auto target = [&](const Step& step, const std::string& name, const std::string& pointer) -> std::size_t {
      auto it = flow.step_index.find(name);
      if (it != flow.step_index.end()) return it->second;
      error(pointer, "step \"" + step.id + "\": unknown target \"" + name + "\"");
      return kNoStep;
    };
    for (std::size_t i = 0; i < flow.steps.size(); ++i) {
      Step& step = flow.steps[i];
      std::string prefix = "step \"" + step.id + "\": ";
      if (step.kind == StepKind::End) {
        step.next = kNoStep;
      } else if (!step.next_id.empty()) {
        step.next = target(step, step.next_id, step.pointer + (step.kind == StepKind::Branch ? "/else" : "/next"));
      } else if (i + 1 < flow.steps.size()) {
        step.next = i + 1;
      } else {
        error(step.pointer, prefix + "the last step must end the flow or name its \"next\" step");
      }
      for (std::size_t r = 0; r < step.rules.size(); ++r) {
        Rule& rule = step.rules[r];
        std::string rp = step.pointer + "/rules/" + std::to_string(r);
        rule.target_index = target(step, rule.target, rp + "/goto");
        std::vector<std::string> used;
        collect_variables(rule.when, used);
        for (const auto& name : used) {
          if (!variables.count(name))
            error(rp + "/if", prefix + "rule " + std::to_string(r + 1) + ": unknown variable \"" + name + "\"");
        }
      }
      for (std::size_t a = 0; a < step.args.size(); ++a) {
        const std::string& name = step.args[a];
        if (!kRoleArgs.count(name) && !variables.count(name))
          error(step.pointer + "/args/" + std::to_string(a), prefix + "unknown argument \"" + name + "\"");
      }
    }
  }

  std::string_view text_;
  std::string path_;
  std::unique_ptr<JsonPositions> positions_;
  std::vector<Diagnostic> errors_;
};

}  // namespace

FlowLoad load_flow(std::string_view text, const std::string& path) { return Loader(text, path).run(); }

}  // namespace tandem
