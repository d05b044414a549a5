#include "engine/engine.h"

#include <algorithm>

namespace tandem {
namespace {

constexpr int kMaxAutoSteps = 10000;
constexpr const char* kSwaps = "swaps";
const List kYesMaybeNo = {"yes", "maybe", "no"};

class StateVariables final : public VariableLookup {
 public:
  explicit StateVariables(const SessionState& state) : state_(state) {}
  const Value* lookup(const std::string& name) const override {
    auto it = state_.vars.find(name);
    return it == state_.vars.end() ? nullptr : &it->second;
  }

 private:
  const SessionState& state_;
};

// The concrete audience of a step right now: speaker/listener become a or b.
Audience resolve(Audience to, const SessionState& s) {
  auto as_audience = [](Partner p) { return p == Partner::A ? Audience::A : Audience::B; };
  if (to == Audience::Speaker) return as_audience(s.speaker);
  if (to == Audience::Listener) return as_audience(s.listener());
  return to;
}

Audience audience_of(Partner p) { return p == Partner::A ? Audience::A : Audience::B; }

std::vector<Partner> partners_of(Audience resolved) {
  if (resolved == Audience::A) return {Partner::A};
  if (resolved == Audience::B) return {Partner::B};
  return {Partner::A, Partner::B};
}

bool asks_both(const Step& step) {
  return step.kind == StepKind::Private || (step.kind == StepKind::Ask && step.to == Audience::Both);
}

std::string capture_name(const Step& step, Partner by) {
  if (asks_both(step)) return step.capture + "_" + std::string(to_string(by));
  return step.capture;
}

// What a captured choice looks like in a message: its option labels (message keys, shown as a
// localized list), never raw values like "not_yet". Anything else is shown as it is.
Value shown_value(const Flow& flow, const std::string& name, const Value& value) {
  auto by = flow.captured_by.find(name);
  if (by == flow.captured_by.end() || is_number(value)) return value;
  const Step& step = flow.steps[by->second];
  if (step.kind != StepKind::Ask || step.options.empty()) return value;
  List chosen = is_list(value) ? std::get<List>(value) : List{std::get<std::string>(value)};
  List labels;
  for (const std::string& v : chosen)
    for (const Option& o : step.options)
      if (o.value == v) labels.push_back(o.label);
  return labels;
}

Args step_args(const Flow& flow, const Step& step, const SessionState& s) {
  Args args;
  for (const std::string& name : step.args) {
    if (name == "a") args[name] = s.info(Partner::A).name;
    else if (name == "b") args[name] = s.info(Partner::B).name;
    else if (name == "speaker") args[name] = s.info(s.speaker).name;
    else if (name == "listener") args[name] = s.info(s.listener()).name;
    else {
      auto it = s.vars.find(name);
      args[name] = it == s.vars.end() ? Value{std::string()} : shown_value(flow, name, it->second);
    }
  }
  return args;
}

MessageRef flow_message(const Flow& flow, const Step& step, const std::string& key, const SessionState& s) {
  return MessageRef{flow.id, key, step_args(flow, step, s)};
}

MessageRef ui_message(const std::string& key, Args args = {}) { return MessageRef{kUiCatalog, key, std::move(args)}; }

MessageRef named(const std::string& key, const SessionState& s, Partner who) {
  return ui_message(key, Args{{"name", s.info(who).name}});
}

std::string proposal_of(const Step& step, const SessionState& s) {
  if (step.proposal.empty()) return "";
  auto it = s.vars.find(step.proposal);
  return it == s.vars.end() ? "" : value_to_string(it->second);
}

const Flow& current_flow(const FlowSet& flows, const SessionState& s) { return flows.get(s.flow); }

// Everything one event does to a copy of the state, and what it says.
class Walk {
 public:
  Walk(const FlowSet& flows, SessionState state, std::uint64_t seq) : flows_(flows) {
    out_.state = std::move(state);
    out_.state.seq = seq;
  }

  SessionState& s() { return out_.state; }
  Outcome& outcome() { return out_; }
  const Flow& flow() { return current_flow(flows_, out_.state); }
  const Step& step() { return flow().steps[s().step]; }
  std::string step_id() { return current_step_id(flows_, s()); }

  void say(Audience to, MessageRef message) {
    Entry e;
    e.kind = EntryKind::Guide;
    e.seq = s().seq;
    e.step = step_id();
    e.to = resolve(to, s());
    e.message = std::move(message);
    out_.entries.push_back(std::move(e));
  }
  void say(Audience to, const std::string& key) { say(to, flow_message(flow(), step(), key, s())); }

  // Walks through steps that need no input until a step waits for someone or the flow ends.
  Status run() {
    for (int guard = 0; guard < kMaxAutoSteps; ++guard) {
      const Step& st = step();
      // Invariant 4: a tentative yes is checked in on before anything that escalates.
      if (st.escalates && s().tentative_by && !s().checked_in) {
        s().checkin = true;
        say(audience_of(*s().tentative_by),
            ui_message("engine.checkin", {{"name", s().info(*s().tentative_by).name}, {"proposal", s().tentative_proposal}}));
        return Ok{};
      }
      s().checked_in = false;
      switch (st.kind) {
        case StepKind::Say:
          say(st.to, st.message);
          s().step = st.next;
          break;
        case StepKind::Swap: {
          s().speaker = other(s().speaker);
          auto& swaps = s().vars[kSwaps];
          swaps = std::get<std::int64_t>(swaps) + 1;
          if (!st.message.empty()) say(Audience::Both, st.message);
          s().step = st.next;
          break;
        }
        case StepKind::Branch: {
          std::size_t target = st.next;
          StateVariables vars(s());
          for (const Rule& rule : st.rules) {
            if (evaluate(rule.when, vars)) {
              target = rule.target_index;
              break;
            }
          }
          s().step = target;
          break;
        }
        case StepKind::Agreement:
          if (st.write) write_agreement(st);
          else read_agreement();
          if (!st.message.empty()) say(Audience::Both, st.message);
          s().step = st.next;
          break;
        case StepKind::Call:
          s().calls.push_back(ReturnPoint{s().flow, st.next});
          s().flow = st.flow;
          s().step = 0;
          break;
        case StepKind::End:
          say(st.to, st.message);
          if (s().calls.empty()) {
            s().status = SessionStatus::Completed;
            return Ok{};
          }
          s().flow = s().calls.back().flow;
          s().step = s().calls.back().step;
          s().calls.pop_back();
          break;
        case StepKind::Ask: {
          // Invariant 3: a proposal declined earlier in this session is not asked again.
          std::string proposal = proposal_of(st, s());
          if (!proposal.empty() &&
              std::find(s().declined.begin(), s().declined.end(), proposal) != s().declined.end()) {
            for (const Option& o : st.options) {
              if (o.consent != "soft_no") continue;
              if (asks_both(st)) {
                s().vars[st.capture + "_a"] = o.value;
                s().vars[st.capture + "_b"] = o.value;
              } else {
                s().vars[st.capture] = o.value;
              }
            }
            say(Audience::Both, ui_message("engine.set_aside", {{"proposal", proposal}}));
            s().step = st.next;
            break;
          }
          s().answered.clear();
          say(st.to, st.prompt);
          return Ok{};
        }
        case StepKind::Private:
        case StepKind::Timer:
          s().answered.clear();
          say(st.kind == StepKind::Timer ? st.to : Audience::Both, st.kind == StepKind::Timer ? st.message : st.prompt);
          return Ok{};
        case StepKind::Reflect:
          s().phase = ReflectPhase::Mirror;
          s().round = 1;
          say(Audience::Listener, st.reflect.mirror);
          return Ok{};
      }
    }
    return make_error("internal", "flow \"" + flow().id + "\" ran " + std::to_string(kMaxAutoSteps) +
                                      " steps without asking anything; it loops");
  }

  // Moves on from the current step to `target` (or its next) and runs from there.
  Result<Outcome> finish(std::size_t target) {
    s().step = target;
    if (auto ok = run(); !ok) return ok.error();
    return std::move(out_);
  }
  Result<Outcome> finish() { return finish(step().next); }

 private:
  void read_agreement() {
    for (const auto& [field, value] : s().agreement) s().vars["agreement_" + field] = value;
  }

  void write_agreement(const Step& st) {
    List changed;
    for (const auto& [field, variable] : st.fields) {
      auto it = s().vars.find(variable);
      Value value = it == s().vars.end() ? Value{std::string()} : it->second;
      auto old = s().agreement.find(field);
      if (old == s().agreement.end() || old->second != value) changed.push_back("field." + field);
      s().agreement[field] = value;
      s().vars["agreement_" + field] = value;
    }
    auto& version = s().vars["agreement_version"];
    version = std::get<std::int64_t>(version) + 1;
    s().vars["agreement_changed"] = changed;
    out_.agreement = s().agreement;
  }

  const FlowSet& flows_;
  Outcome out_;
};

InputSpec ask_spec(const Flow& flow, const Step& step, const SessionState& s) {
  InputSpec spec;
  spec.type = step.input;
  spec.prompt = flow_message(flow, step, step.prompt, s);
  for (const Option& o : step.options) spec.options.emplace_back(o.value, flow_message(flow, step, o.label, s));
  spec.min = step.min;
  spec.max = step.max;
  if (step.input == InputType::Scale) {
    spec.low = flow_message(flow, step, step.low, s);
    spec.high = flow_message(flow, step, step.high, s);
  }
  if (step.input == InputType::YesMaybeNo)
    for (const auto& v : kYesMaybeNo) spec.options.emplace_back(v, ui_message("answer." + v));
  if (step.input == InputType::Confirm)
    spec.options.emplace_back("ok", step.label.empty() ? ui_message("answer.confirm") : flow_message(flow, step, step.label, s));
  return spec;
}

InputSpec reflect_spec(const Flow& flow, const Step& step, const SessionState& s) {
  InputSpec spec;
  switch (s.phase) {
    case ReflectPhase::Mirror:
      spec.type = InputType::Text;
      spec.prompt = flow_message(flow, step, s.round <= 1 ? step.reflect.mirror : step.reflect.again, s);
      break;
    case ReflectPhase::Check:
      spec.type = InputType::Choice;
      spec.prompt = flow_message(flow, step, step.reflect.check, s);
      spec.options = {{"got_it", flow_message(flow, step, step.reflect.got_it, s)},
                      {"more", flow_message(flow, step, step.reflect.more, s)}};
      break;
    case ReflectPhase::Clarify:
      spec.type = InputType::Text;
      spec.prompt = flow_message(flow, step, step.reflect.clarify, s);
      break;
  }
  return spec;
}

Status check_value(const InputSpec& spec, const Value& value) {
  auto wrong_type = [](const char* what) {
    return make_error("invalid-field", std::string("\"value\" must be ") + what, {{"field", "value"}});
  };
  auto offered = [&](const std::string& v) {
    return std::any_of(spec.options.begin(), spec.options.end(), [&](const auto& o) { return o.first == v; });
  };
  if (!spec.items.empty()) {  // a private yes/maybe/no list: one answer per item
    if (!is_list(value)) return wrong_type("a list of yes, maybe or no");
    const List& answers = std::get<List>(value);
    if (answers.size() != spec.items.size())
      return make_error("invalid-choice", "expected " + std::to_string(spec.items.size()) + " answers, got " + std::to_string(answers.size()));
    for (const auto& a : answers)
      if (!offered(a)) return make_error("invalid-choice", "\"" + a + "\" is not yes, maybe or no");
    return Ok{};
  }
  switch (spec.type) {
    case InputType::Text:
    case InputType::Feeling:
      if (!is_text(value)) return wrong_type("text");
      if (std::get<std::string>(value).empty()) return make_error("text-empty", "the answer is empty");
      return Ok{};
    case InputType::Choice:
    case InputType::YesMaybeNo:
    case InputType::Confirm: {
      if (!is_text(value)) return wrong_type("text");
      const auto& v = std::get<std::string>(value);
      if (!offered(v)) return make_error("invalid-choice", "\"" + v + "\" is not one of the options");
      return Ok{};
    }
    case InputType::Multi: {
      if (!is_list(value)) return wrong_type("a list of options");
      const List& chosen = std::get<List>(value);
      for (std::size_t i = 0; i < chosen.size(); ++i) {
        if (!offered(chosen[i])) return make_error("invalid-choice", "\"" + chosen[i] + "\" is not one of the options");
        if (std::find(chosen.begin(), chosen.begin() + static_cast<long>(i), chosen[i]) != chosen.begin() + static_cast<long>(i))
          return make_error("invalid-choice", "\"" + chosen[i] + "\" is chosen twice");
      }
      int count = static_cast<int>(chosen.size());
      if (count < spec.min || (spec.max != 0 && count > spec.max))
        return make_error("invalid-choice", std::to_string(count) + " options chosen");
      return Ok{};
    }
    case InputType::Scale: {
      if (!is_number(value)) return wrong_type("a whole number");
      auto v = std::get<std::int64_t>(value);
      if (v < spec.min || v > spec.max)
        return make_error("invalid-scale", std::to_string(v) + " is outside " + std::to_string(spec.min) + "–" + std::to_string(spec.max),
                          {{"min", std::int64_t{spec.min}}, {"max", std::int64_t{spec.max}}});
      return Ok{};
    }
  }
  return Ok{};
}

bool below(const SessionState& s, const std::string& name, int threshold) {
  auto it = s.vars.find(name);
  return it != s.vars.end() && is_number(it->second) && std::get<std::int64_t>(it->second) < threshold;
}

// Invariant 5: reveal only what both marked yes, and the maybes where neither said no.
void reveal(Walk& walk, const Step& step) {
  SessionState& s = walk.s();
  const List& a = std::get<List>(s.vars[step.capture + "_a"]);
  const List& b = std::get<List>(s.vars[step.capture + "_b"]);
  List shared, maybes;
  for (std::size_t i = 0; i < step.items.size(); ++i) {
    if (a[i] == "yes" && b[i] == "yes") shared.push_back(step.items[i]);
    else if (a[i] != "no" && b[i] != "no") maybes.push_back(step.items[i]);
  }
  s.vars[step.capture + "_shared"] = shared;
  s.vars[step.capture + "_maybe"] = maybes;
  auto message = [&](const std::string& key, const List& items) {
    MessageRef m = flow_message(walk.flow(), step, key, s);
    m.args["items"] = items;
    walk.say(Audience::Both, std::move(m));
  };
  if (shared.empty()) message(step.reveal.none, {});
  else message(step.reveal.shared, shared);
  if (!maybes.empty()) message(step.reveal.maybes, maybes);
}

Result<Outcome> apply_input(const FlowSet& flows, const SessionState& state, const Event& event) {
  std::string here = current_step_id(flows, state);
  if (!event.step.empty() && event.step != here) {
    return make_error("seq-conflict", "the input answers step \"" + event.step + "\" but the session is at step \"" + here + "\"");
  }
  auto waiting = awaiting(flows, state);
  auto mine = std::find_if(waiting.begin(), waiting.end(), [&](const Awaited& a) { return a.partner == event.by; });
  if (mine == waiting.end()) {
    Partner turn = waiting.empty() ? other(event.by) : waiting.front().partner;
    return make_error("not-your-turn", "partner " + std::string(to_string(event.by)) + " is not being asked at step \"" + here + "\"",
                      {{"name", state.info(turn).name}});
  }
  if (auto ok = check_value(mine->input, event.value); !ok) return ok.error();

  Walk walk(flows, state, state.seq + 1);
  SessionState& s = walk.s();
  const Step& step = walk.step();
  Entry input;
  input.kind = EntryKind::Input;
  input.seq = s.seq;
  input.step = here;
  input.by = event.by;
  input.value = event.value;
  if (mine->input.is_private) input.only = event.by;
  if (is_text(event.value)) {
    for (const auto& [value, label] : mine->input.options)
      if (value == std::get<std::string>(event.value)) input.message = label;
  } else if (is_list(event.value)) {
    input.catalog = walk.flow().id;
    if (step.kind == StepKind::Private) input.labels = step.items;
    else input.labels = std::get<List>(shown_value(walk.flow(), step.capture, event.value));
  }
  walk.outcome().entries.push_back(std::move(input));

  if (s.checkin) {  // the answer to a tentative check-in
    s.checkin = false;
    if (std::get<std::string>(event.value) == "continue") {
      s.checked_in = true;
      return walk.finish(s.step);
    }
    s.declined.push_back(s.tentative_proposal);
    walk.say(Audience::Both, named("engine.checkin_declined", s, event.by));
    s.tentative_by.reset();
    s.tentative_proposal.clear();
    return walk.finish(step.decline_index);
  }

  switch (step.kind) {
    case StepKind::Ask: {
      s.vars[capture_name(step, event.by)] = event.value;
      if (is_text(event.value)) {
        for (const Option& o : step.options) {
          if (o.value != std::get<std::string>(event.value)) continue;
          std::string proposal = proposal_of(step, s);
          if (o.consent == "soft_no" && !proposal.empty()) s.declined.push_back(proposal);
          if (o.consent == "tentative") {
            s.tentative_by = event.by;
            s.tentative_proposal = proposal;
          }
        }
      }
      if (asks_both(step)) {
        s.answered.insert(event.by);
        if (s.answered.size() < 2) return std::move(walk.outcome());
        s.answered.clear();
      }
      // Invariant 6: a comfort check below the threshold always goes to grounding or a step back.
      if (step.comfort) {
        int threshold = walk.flow().comfort_threshold;
        bool low = asks_both(step) ? below(s, step.capture + "_a", threshold) || below(s, step.capture + "_b", threshold)
                                   : below(s, step.capture, threshold);
        if (low) return walk.finish(step.when_low_index);
      }
      return walk.finish();
    }
    case StepKind::Private:
      s.vars[capture_name(step, event.by)] = event.value;
      s.answered.insert(event.by);
      if (s.answered.size() < 2) return std::move(walk.outcome());
      s.answered.clear();
      reveal(walk, step);
      return walk.finish();
    case StepKind::Timer:
      return walk.finish();
    case StepKind::Reflect:
      switch (s.phase) {
        case ReflectPhase::Mirror:
          s.vars[step.capture] = event.value;
          s.phase = ReflectPhase::Check;
          walk.say(Audience::Speaker, step.reflect.check);
          return std::move(walk.outcome());
        case ReflectPhase::Check:
          if (std::get<std::string>(event.value) == "got_it") return walk.finish();
          if (s.round < step.max_rounds) {
            s.phase = ReflectPhase::Clarify;
            walk.say(Audience::Speaker, step.reflect.clarify);
            return std::move(walk.outcome());
          }
          walk.say(Audience::Both, step.reflect.enough);
          return walk.finish();
        case ReflectPhase::Clarify:
          s.round += 1;
          s.phase = ReflectPhase::Mirror;
          walk.say(Audience::Listener, step.reflect.again);
          return std::move(walk.outcome());
      }
      break;
    default:
      break;
  }
  return make_error("internal", "step \"" + here + "\" does not take input");
}

Entry event_entry(const SessionState& s, const std::string& step, Partner by, const char* name, const std::string& key) {
  Entry e;
  e.kind = EntryKind::Event;
  e.seq = s.seq;
  e.step = step;
  e.by = by;
  e.event = name;
  e.message = named(key, s, by);
  return e;
}

}  // namespace

std::string current_step_id(const FlowSet& flows, const SessionState& s) {
  const Flow& flow = current_flow(flows, s);
  const std::string& id = flow.steps.at(s.step).id;
  return s.flow.empty() ? id : s.flow + "/" + id;
}

Result<Outcome> apply(const FlowSet& flows, const SessionState& state, const Event& event) {
  if (event.kind == EventKind::Start) {
    if (state.seq != 0) return make_error("internal", "the session has already started");
    SessionState start;
    start.partners = event.partners;
    start.vars[kSwaps] = std::int64_t{0};
    start.vars["agreement_version"] = event.agreement_version;
    start.vars["agreement_changed"] = List{};
    start.agreement = event.agreement;
    // The assignment sets the root flow's parameters; every flow it may call gets its defaults.
    for (const Param& p : flows.root->params) {
      auto given = event.params.find(p.name);
      start.vars[p.name] = given == event.params.end() ? p.fallback : given->second;
    }
    for (const auto& [id, flow] : flows.flows)
      for (const Param& p : flow->params) start.vars.emplace(p.name, p.fallback);
    Walk walk(flows, std::move(start), 1);
    if (auto ok = walk.run(); !ok) return ok.error();
    return std::move(walk.outcome());
  }
  if (state.seq == 0) return make_error("internal", "the session has not started");
  if (state.ended()) return make_error("ended", "the session has already ended");

  const std::string step_id = current_step_id(flows, state);
  auto control = [&](auto change) {
    Outcome out{state, {}, std::nullopt};
    out.state.seq += 1;
    change(out);
    return out;
  };
  switch (event.kind) {
    case EventKind::Input:
      if (state.status == SessionStatus::Paused) return make_error("paused", "the session is paused");
      return apply_input(flows, state, event);
    case EventKind::Pause:
      if (state.status == SessionStatus::Paused) return make_error("paused", "the session is already paused");
      return control([&](Outcome& out) {
        out.state.status = SessionStatus::Paused;
        out.state.paused_by = event.by;
        out.state.ready.clear();
        out.entries.push_back(event_entry(out.state, step_id, event.by, "pause", "engine.paused"));
      });
    case EventKind::Resume:
      if (state.status != SessionStatus::Paused) return make_error("not-paused", "the session is not paused");
      if (state.ready.count(event.by)) return make_error("paused", "this partner is already ready; waiting for the other");
      return control([&](Outcome& out) {
        SessionState& s = out.state;
        s.ready.insert(event.by);
        out.entries.push_back(event_entry(s, step_id, event.by, "ready", "engine.ready"));
        if (s.ready.size() < 2) return;
        s.status = SessionStatus::Active;
        s.paused_by.reset();
        s.ready.clear();
        Entry resumed = event_entry(s, step_id, event.by, "resume", "engine.resumed");
        resumed.by.reset();
        resumed.message->args.clear();
        out.entries.push_back(std::move(resumed));
      });
    case EventKind::Stop:
      return control([&](Outcome& out) {
        SessionState& s = out.state;
        s.status = SessionStatus::Stopped;
        s.stopped_by = event.by;
        s.paused_by.reset();
        s.ready.clear();
        out.entries.push_back(event_entry(s, step_id, event.by, "stop", "engine.stopped"));
      });
    case EventKind::Start:
      break;
  }
  return make_error("internal", "unknown event");
}

std::vector<Awaited> awaiting(const FlowSet& flows, const SessionState& s) {
  std::vector<Awaited> out;
  if (s.seq == 0 || s.status != SessionStatus::Active) return out;
  const Flow& flow = current_flow(flows, s);
  const Step& step = flow.steps[s.step];
  std::string id = current_step_id(flows, s);
  if (s.checkin) {
    InputSpec spec;
    spec.type = InputType::Choice;
    spec.prompt = ui_message("engine.checkin", {{"name", s.info(*s.tentative_by).name}, {"proposal", s.tentative_proposal}});
    spec.options = {{"continue", ui_message("answer.checkin_continue")}, {"not_now", ui_message("answer.checkin_not_now")}};
    out.push_back({*s.tentative_by, id, spec});
    return out;
  }
  auto each = [&](Audience to, const InputSpec& spec) {
    for (Partner p : partners_of(resolve(to, s)))
      if (!s.answered.count(p)) out.push_back({p, id, spec});
  };
  switch (step.kind) {
    case StepKind::Ask:
      each(step.to, ask_spec(flow, step, s));
      break;
    case StepKind::Reflect: {
      Partner who = s.phase == ReflectPhase::Mirror ? s.listener() : s.speaker;
      out.push_back({who, id, reflect_spec(flow, step, s)});
      break;
    }
    case StepKind::Private: {
      InputSpec spec;
      spec.type = InputType::YesMaybeNo;
      spec.prompt = flow_message(flow, step, step.prompt, s);
      for (const auto& v : kYesMaybeNo) spec.options.emplace_back(v, ui_message("answer." + v));
      for (const auto& item : step.items) spec.items.push_back(MessageRef{flow.id, item, {}});
      spec.is_private = true;
      each(Audience::Both, spec);
      break;
    }
    case StepKind::Timer: {
      InputSpec spec;
      spec.type = InputType::Confirm;
      spec.prompt = flow_message(flow, step, step.message, s);
      spec.options = {{"done", ui_message("answer.timer_done")}};
      spec.seconds = step.seconds;
      spec.pacing = step.pacing;
      // Either partner may end the timer; the first "done" moves on.
      for (Partner p : partners_of(resolve(step.to, s))) out.push_back({p, id, spec});
      break;
    }
    default:
      break;
  }
  return out;
}

Result<Outcome> replay(const FlowSet& flows, const std::vector<Event>& events) {
  Outcome total;
  for (const Event& event : events) {
    auto next = apply(flows, total.state, event);
    if (!next) return next.error();
    total.state = std::move(next->state);
    for (auto& e : next->entries) total.entries.push_back(std::move(e));
    if (next->agreement) total.agreement = next->agreement;
  }
  return total;
}

}  // namespace tandem
