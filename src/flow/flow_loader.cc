#include "flow/flow_loader.h"

#include <algorithm>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "flow/flow_checks.h"
#include "flow/json_positions.h"

namespace tandem {

using nlohmann::json;

std::string Diagnostic::to_string() const {
  return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

const std::set<std::string> kCommonFields = {"id", "kind", "next", "args", "escalates", "decline"};
const std::map<std::string, std::set<std::string>> kKindFields = {
    {"say", {"to", "message"}},
    {"ask", {"to", "input", "prompt", "capture", "options", "min", "max", "low", "high", "comfort", "when_low",
             "proposal", "label"}},
    {"reflect", {"capture", "max_rounds", "prompts"}},
    {"private", {"items", "prompt", "capture", "reveal"}},
    {"swap", {"message"}},
    {"timer", {"to", "message", "seconds", "pacing"}},
    {"branch", {"rules", "else"}},
    {"agreement", {"action", "set", "message"}},
    {"call", {"flow"}},
    {"end", {"to", "message"}},
};
const std::vector<std::string> kRevealMessages = {"shared", "none", "maybes"};
const std::vector<std::string> kReflectPrompts = {"mirror", "check", "got_it", "more",
                                                  "clarify", "again", "enough"};
const std::set<std::string> kRoleArgs = {"a", "b", "speaker", "listener"};

// Name checks are plain loops: std::regex recurses once per character and overflows the stack
// on long input (found by fuzzing: a 50,000-character id).
bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z][a-z0-9_]*
bool is_identifier(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_or_digit(c) || c == '_'; });
}

// [a-z0-9][a-z0-9_]*
bool is_option_value(const std::string& s) {
  if (s.empty() || !lower_or_digit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_or_digit(c) || c == '_'; });
}

// [a-z0-9]+(-[a-z0-9]+)*
bool is_flow_id(const std::string& s) {
  if (s.empty() || s.front() == '-' || s.back() == '-' || s.find("--") != std::string::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_or_digit(c) || c == '-'; });
}

// identifier(.identifier)*
bool is_message_key(const std::string& s) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    if (!is_identifier(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start))) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// How deeply arrays and objects nest, counted without recursion (strings and comments skipped).
int nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      auto end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// Flows nest a few levels (steps, rules, conditions); anything deeper is refused before any
// recursive walk could exhaust the stack.
constexpr int kMaxNesting = 64;

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
    } catch (const json::exception&) {
      // Anything else the parser refuses, such as a number beyond any range (1e999).
      result.errors.push_back({path_, 1, 1, "", "invalid JSON: a number is out of range"});
      return result;
    }
    if (nesting_depth(text_) > kMaxNesting) {
      result.errors.push_back(
          {path_, 1, 1, "", "the flow nests more than " + std::to_string(kMaxNesting) + " levels deep"});
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
    if (errors_.empty()) {
      check_graph(*flow, [&](const Step& step, const std::string& pointer, const std::string& message) {
        error(pointer, message);
      });
    }
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
    if (it->get_ref<const std::string&>().empty()) {
      error(pointer + "/" + pointer_token(name), prefix + "\"" + name + "\" must not be empty");
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
    if (!it->is_number_integer() || it->get<std::int64_t>() < -1000000 || it->get<std::int64_t>() > 1000000) {
      error(pointer + "/" + pointer_token(name), prefix + "\"" + name + "\" must be a whole number");
      return false;
    }
    out = static_cast<int>(it->get<std::int64_t>());
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
    const std::set<std::string> known = {"$schema", "format", "id", "version", "title", "description",
                                         "minutes", "comfort_threshold", "params", "steps"};
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
    if (int_field(doc, "", "", "comfort_threshold", flow.comfort_threshold, false) &&
        (flow.comfort_threshold < 1 || flow.comfort_threshold > 10)) {
      error("/comfort_threshold", "\"comfort_threshold\" must be between 1 and 10");
    }
    read_params(doc, flow);
  }

  void read_params(const json& doc, Flow& flow) {
    auto it = doc.find("params");
    if (it == doc.end()) return;
    if (!it->is_object()) {
      error("/params", "\"params\" must map each parameter's name to {\"type\", \"default\"}");
      return;
    }
    for (auto p = it->begin(); p != it->end(); ++p) {
      std::string pointer = "/params/" + pointer_token(p.key());
      std::string prefix = "parameter \"" + p.key() + "\": ";
      if (!is_identifier(p.key())) error(pointer, prefix + "the name must be like \"minutes\"");
      Param param;
      param.name = p.key();
      std::string type;
      if (!p->is_object() || !text_field(*p, pointer, prefix, "type", type, true)) {
        if (!p->is_object()) error(pointer, prefix + "must be {\"type\": \"text\" or \"number\", \"default\": …}");
        continue;
      }
      if (type != "text" && type != "number") error(pointer + "/type", prefix + "\"type\" must be text or number");
      param.number = type == "number";
      auto fallback = p->find("default");
      if (fallback == p->end()) {
        error(pointer, prefix + "missing \"default\"");
      } else if (param.number ? !fallback->is_number_integer() : !fallback->is_string()) {
        error(pointer + "/default", prefix + "\"default\" must be " + (param.number ? "a whole number" : "text"));
      } else {
        param.fallback = param.number ? Value{fallback->get<std::int64_t>()} : Value{fallback->get<std::string>()};
      }
      for (auto f = p->begin(); f != p->end(); ++f)
        if (f.key() != "type" && f.key() != "default") error(pointer + "/" + pointer_token(f.key()), prefix + "unknown field \"" + f.key() + "\"");
      flow.params.push_back(std::move(param));
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
                                   "\" (expected say, ask, reflect, private, swap, timer, branch, agreement, call or end)");
      return;
    }
    for (auto it = s.begin(); it != s.end(); ++it) {
      bool allowed = (kCommonFields.count(it.key()) && !(kind == "branch" && it.key() == "next") &&
                      !(kind == "end" && it.key() == "next")) ||
                     fields->second.count(it.key());
      const char* article = std::string("aeiou").find(kind[0]) == std::string::npos ? "a " : "an ";
      if (!allowed) error(pointer + "/" + pointer_token(it.key()), prefix + "unknown field \"" + it.key() + "\" for " + article + kind + " step");
    }
    text_field(s, pointer, prefix, kind == "branch" ? "else" : "next", step.next_id, false);
    read_args(s, pointer, prefix, step);
    if (auto esc = s.find("escalates"); esc != s.end()) {
      if (!esc->is_boolean()) error(pointer + "/escalates", prefix + "\"escalates\" must be true or false");
      else step.escalates = esc->get<bool>();
    }
    text_field(s, pointer, prefix, "decline", step.decline, false);
    if (step.escalates && step.decline.empty())
      error(pointer, prefix + "an escalating step needs \"decline\": where to go if a check-in says not now");
    if (!step.escalates && !step.decline.empty())
      error(pointer + "/decline", prefix + "\"decline\" only belongs to an escalating step");
    if (step.escalates && (kind == "branch" || kind == "end"))
      error(pointer + "/escalates", prefix + (kind == "end" ? "an " : "a ") + kind + " step cannot escalate");

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
    } else if (kind == "private") {
      step.kind = StepKind::Private;
      read_private(s, pointer, prefix, step);
    } else if (kind == "swap") {
      step.kind = StepKind::Swap;
      key_field(s, pointer, prefix, "message", step.message, false);
    } else if (kind == "timer") {
      step.kind = StepKind::Timer;
      read_audience(s, pointer, prefix, step, false);
      key_field(s, pointer, prefix, "message", step.message);
      if (int_field(s, pointer, prefix, "seconds", step.seconds, true) && (step.seconds < 5 || step.seconds > 3600))
        error(pointer + "/seconds", prefix + "\"seconds\" must be between 5 and 3600");
      std::string pacing = "none";
      text_field(s, pointer, prefix, "pacing", pacing, false);
      if (const Pacing* p = find_pacing(pacing)) step.pacing = *p;
      else error(pointer + "/pacing", prefix + "unknown pacing \"" + pacing + "\" (expected none, box, 4-7-8 or resonance)");
    } else if (kind == "agreement") {
      step.kind = StepKind::Agreement;
      read_agreement(s, pointer, prefix, step);
    } else if (kind == "call") {
      step.kind = StepKind::Call;
      if (text_field(s, pointer, prefix, "flow", step.flow, true) && !is_flow_id(step.flow))
        error(pointer + "/flow", prefix + "\"flow\" must be a flow id like \"grounding\"");
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
    bool bounds = s.contains("min") || s.contains("max");
    if (input == "text") {
      step.input = InputType::Text;
    } else if (input == "choice") {
      step.input = InputType::Choice;
      read_options(s, pointer, prefix, step);
    } else if (input == "multi") {
      step.input = InputType::Multi;
      read_options(s, pointer, prefix, step);
      step.min = 1;
      step.max = 0;
      int_field(s, pointer, prefix, "min", step.min, false);
      int_field(s, pointer, prefix, "max", step.max, false);
      int count = static_cast<int>(step.options.size());
      if (step.min < 0 || step.min > count || (step.max != 0 && (step.max < step.min || step.max > count)))
        error(pointer, prefix + "several choices need 0 ≤ \"min\" ≤ \"max\" ≤ the number of options");
      bounds = false;
    } else if (input == "feeling") {
      step.input = InputType::Feeling;
    } else if (input == "yes_maybe_no") {
      step.input = InputType::YesMaybeNo;
    } else if (input == "confirm") {
      step.input = InputType::Confirm;
      key_field(s, pointer, prefix, "label", step.label, false);
    } else if (input == "scale") {
      step.input = InputType::Scale;
      int_field(s, pointer, prefix, "min", step.min, false);
      int_field(s, pointer, prefix, "max", step.max, false);
      if (step.min >= step.max) error(pointer, prefix + "scale \"min\" must be less than \"max\"");
      key_field(s, pointer, prefix, "low", step.low);
      key_field(s, pointer, prefix, "high", step.high);
    } else {
      error(pointer + "/input", prefix + "unknown input \"" + input +
                                    "\" (expected text, choice, multi, scale, feeling, yes_maybe_no or confirm)");
    }
    if (step.input != InputType::Choice && step.input != InputType::Multi && s.contains("options"))
      error(pointer + "/options", prefix + "\"options\" only belong to a choice or several choices");
    if (step.input != InputType::Scale && (s.contains("low") || s.contains("high") || bounds))
      error(pointer, prefix + "\"min\", \"max\", \"low\" and \"high\" only belong to a scale or several choices");
    if (step.input != InputType::Confirm && s.contains("label"))
      error(pointer + "/label", prefix + "\"label\" only belongs to a confirmation");
    if (auto comfort = s.find("comfort"); comfort != s.end()) {
      if (!comfort->is_boolean()) error(pointer + "/comfort", prefix + "\"comfort\" must be true or false");
      else step.comfort = comfort->get<bool>();
    }
    text_field(s, pointer, prefix, "when_low", step.when_low, false);
    if (step.comfort && step.input != InputType::Scale)
      error(pointer + "/comfort", prefix + "a comfort check must be a scale");
    if (step.comfort && step.when_low.empty())
      error(pointer, prefix + "a comfort check needs \"when_low\": a grounding step or a step back");
    if (!step.comfort && !step.when_low.empty())
      error(pointer + "/when_low", prefix + "\"when_low\" only belongs to a comfort check");
    text_field(s, pointer, prefix, "proposal", step.proposal, false);
    bool consent_options = std::any_of(step.options.begin(), step.options.end(), [](const Option& o) { return !o.consent.empty(); });
    bool soft_no = std::any_of(step.options.begin(), step.options.end(), [](const Option& o) { return o.consent == "soft_no"; });
    if (!step.proposal.empty() && !soft_no)
      error(pointer + "/proposal", prefix + "a proposal needs an option with \"consent\": \"soft_no\", so it can always be declined");
    if (consent_options && step.input != InputType::Choice)
      error(pointer, prefix + "\"consent\" belongs to the options of a single choice");
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
        if (!is_option_value(option.value))
          error(op + "/value", oprefix + "\"value\" must be a name like \"soft_no\" or a number like \"6\"");
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

  void read_private(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    key_field(s, pointer, prefix, "prompt", step.prompt);
    if (text_field(s, pointer, prefix, "capture", step.capture, true) && !is_identifier(step.capture))
      error(pointer + "/capture", prefix + "\"capture\" must be a name like \"wishes\"");
    auto items = s.find("items");
    if (items == s.end() || !items->is_array() || items->empty()) {
      error(items == s.end() ? pointer : pointer + "/items", prefix + "a private step needs a list of \"items\" (message keys)");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < items->size(); ++i) {
        const json& item = (*items)[i];
        std::string ip = pointer + "/items/" + std::to_string(i);
        if (!item.is_string() || !is_message_key(item.get<std::string>())) {
          error(ip, prefix + "each item must be a message key");
        } else if (!seen.insert(item.get<std::string>()).second) {
          error(ip, prefix + "item \"" + item.get<std::string>() + "\" is listed twice");
        } else {
          step.items.push_back(item.get<std::string>());
        }
      }
    }
    auto reveal = s.find("reveal");
    if (reveal == s.end() || !reveal->is_object()) {
      error(reveal == s.end() ? pointer : pointer + "/reveal",
            prefix + "a private step needs \"reveal\" with " + join(kRevealMessages));
      return;
    }
    std::string rp = pointer + "/reveal";
    for (auto f = reveal->begin(); f != reveal->end(); ++f) {
      if (std::find(kRevealMessages.begin(), kRevealMessages.end(), f.key()) == kRevealMessages.end())
        error(rp + "/" + pointer_token(f.key()), prefix + "unknown reveal message \"" + f.key() + "\"");
    }
    key_field(*reveal, rp, prefix, "shared", step.reveal.shared);
    key_field(*reveal, rp, prefix, "none", step.reveal.none);
    key_field(*reveal, rp, prefix, "maybes", step.reveal.maybes);
  }

  void read_agreement(const json& s, const std::string& pointer, const std::string& prefix, Step& step) {
    std::string action;
    if (text_field(s, pointer, prefix, "action", action, true) && action != "read" && action != "write")
      error(pointer + "/action", prefix + "\"action\" must be read or write");
    step.write = action == "write";
    key_field(s, pointer, prefix, "message", step.message, false);
    auto set = s.find("set");
    if (!step.write) {
      if (set != s.end()) error(pointer + "/set", prefix + "\"set\" only belongs to a write");
      return;
    }
    if (set == s.end() || !set->is_object() || set->empty()) {
      error(set == s.end() ? pointer : pointer + "/set", prefix + "a write needs \"set\": each agreement field and the variable it takes");
      return;
    }
    for (auto f = set->begin(); f != set->end(); ++f) {
      std::string fp = pointer + "/set/" + pointer_token(f.key());
      if (!is_identifier(f.key())) error(fp, prefix + "agreement field \"" + f.key() + "\" must be a name like \"pause_word\"");
      else if (!f->is_string()) error(fp, prefix + "agreement field \"" + f.key() + "\" must name a variable");
      else step.fields.emplace_back(f.key(), f->get<std::string>());
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
      if (!c["var"].is_string() || !is_identifier(c["var"].get<std::string>())) {
        error(pointer + "/var", prefix + "\"var\" must be the name of a captured value");
        return out;
      }
      out.var = c["var"].get<std::string>();
      static const std::map<std::string, Condition::Op> ops = {
          {"eq", Condition::Op::Eq}, {"ne", Condition::Op::Ne}, {"lt", Condition::Op::Lt},
          {"le", Condition::Op::Le}, {"gt", Condition::Op::Gt}, {"ge", Condition::Op::Ge},
          {"in", Condition::Op::In}, {"has", Condition::Op::Has}};
      for (auto f = c.begin(); f != c.end(); ++f) {
        if (f.key() == "var") continue;
        auto op = ops.find(f.key());
        if (op == ops.end()) {
          error(pointer + "/" + pointer_token(f.key()),
                prefix + "unknown comparison \"" + f.key() + "\" (expected eq, ne, lt, le, gt, ge, in or has)");
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
            else error(vp, prefix + "values must be text, whole numbers or lists of text");
          }
        } else if (auto value = to_value(*f)) {
          out.operand = *value;
          bool ordering = out.op != Condition::Op::Eq && out.op != Condition::Op::Ne && out.op != Condition::Op::Has;
          if (ordering && !is_number(*value)) error(vp, prefix + "\"" + f.key() + "\" compares numbers, not text");
          if (out.op == Condition::Op::Has && !is_text(*value)) error(vp, prefix + "\"has\" looks for one text value");
        } else {
          error(vp, prefix + "values must be text, whole numbers or lists of text");
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
    if (v.is_array()) {
      List list;
      for (const auto& item : v) {
        if (!item.is_string()) return std::nullopt;
        list.push_back(item.get<std::string>());
      }
      return Value{list};
    }
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
    std::set<std::string> variables = {"swaps", "agreement_version", "agreement_changed"};
    std::set<std::string> private_variables;  // one partner's private answers: never readable
    for (const Param& p : flow.params) variables.insert(p.name);
    for (std::size_t i = 0; i < flow.steps.size(); ++i) {
      const Step& step = flow.steps[i];
      if (step.capture.empty()) continue;
      std::vector<std::string> names;
      if (step.kind == StepKind::Private) {
        private_variables.insert(step.capture + "_a");
        private_variables.insert(step.capture + "_b");
        names = {step.capture + "_shared", step.capture + "_maybe"};
      } else if (step.kind == StepKind::Ask && step.to == Audience::Both) {
        names = {step.capture + "_a", step.capture + "_b"};
      } else {
        names = {step.capture};
      }
      for (const auto& name : names) {
        variables.insert(name);
        flow.captured_by.emplace(name, i);
      }
    }
    auto known = [&](const std::string& name) {
      return variables.count(name) || (name.starts_with("agreement_") && name.size() > 10);
    };
    // `context` says where ("rule 1: "), `noun` what the name stands for ("argument").
    auto check_variable = [&](const Step& step, const std::string& name, const std::string& pointer,
                              const std::string& context, const std::string& noun) {
      std::string prefix = "step \"" + step.id + "\": " + context;
      if (private_variables.count(name))
        error(pointer, prefix + noun + " \"" + name + "\" is one partner's private answer and can never be shown or used");
      else if (!known(name))
        error(pointer, prefix + "unknown " + noun + " \"" + name + "\"");
    };
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
      if (!step.when_low.empty()) step.when_low_index = target(step, step.when_low, step.pointer + "/when_low");
      if (!step.decline.empty()) step.decline_index = target(step, step.decline, step.pointer + "/decline");
      for (std::size_t r = 0; r < step.rules.size(); ++r) {
        Rule& rule = step.rules[r];
        std::string rp = step.pointer + "/rules/" + std::to_string(r);
        rule.target_index = target(step, rule.target, rp + "/goto");
        std::vector<std::string> used;
        collect_variables(rule.when, used);
        for (const auto& name : used) check_variable(step, name, rp + "/if", "rule " + std::to_string(r + 1) + ": ", "variable");
      }
      for (std::size_t a = 0; a < step.args.size(); ++a) {
        const std::string& name = step.args[a];
        if (!kRoleArgs.count(name)) check_variable(step, name, step.pointer + "/args/" + std::to_string(a), "", "argument");
      }
      if (!step.proposal.empty()) check_variable(step, step.proposal, step.pointer + "/proposal", "", "proposal variable");
      for (const auto& [field, variable] : step.fields)
        check_variable(step, variable, step.pointer + "/set/" + pointer_token(field), "agreement field \"" + field + "\": ", "variable");
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
