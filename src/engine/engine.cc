#include "engine/engine.h"

#include <algorithm>

namespace tandem {
namespace {

constexpr int kMaxAutoSteps = 10000;
constexpr const char* kSwaps = "swaps";

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

std::vector<Partner> partners_of(Audience resolved) {
  if (resolved == Audience::A) return {Partner::A};
  if (resolved == Audience::B) return {Partner::B};
  return {Partner::A, Partner::B};
}

std::string capture_name(const Step& step, Partner by) {
  if (step.kind == StepKind::Ask && step.to == Audience::Both) return step.capture + "_" + std::string(to_string(by));
  return step.capture;
}

Args step_args(const Step& step, const SessionState& s) {
  Args args;
  for (const std::string& name : step.args) {
    if (name == "a") args[name] = s.info(Partner::A).name;
    else if (name == "b") args[name] = s.info(Partner::B).name;
    else if (name == "speaker") args[name] = s.info(s.speaker).name;
    else if (name == "listener") args[name] = s.info(s.listener()).name;
    else {
      auto it = s.vars.find(name);
      args[name] = it == s.vars.end() ? Value{std::string()} : it->second;
    }
  }
  return args;
}

MessageRef flow_message(const Flow& flow, const Step& step, const std::string& key, const SessionState& s) {
  return MessageRef{flow.id, key, step_args(step, s)};
}

MessageRef ui_message(const std::string& key, const SessionState& s, Partner who) {
  return MessageRef{kUiCatalog, key, Args{{"name", s.info(who).name}}};
}

// Walks the flow from the current step through steps that need no input, emitting what they say,
// until a step waits for someone or the flow ends.
Status run(const Flow& flow, SessionState& s, std::uint64_t seq, std::vector<Entry>& out) {
  auto guide = [&](const Step& step, Audience to, const std::string& key) {
    Entry e;
    e.kind = EntryKind::Guide;
    e.seq = seq;
    e.step = step.id;
    e.to = resolve(to, s);
    e.message = flow_message(flow, step, key, s);
    out.push_back(std::move(e));
  };
  for (int guard = 0; guard < kMaxAutoSteps; ++guard) {
    const Step& step = flow.steps[s.step];
    switch (step.kind) {
      case StepKind::Say:
        guide(step, step.to, step.message);
        s.step = step.next;
        break;
      case StepKind::Swap: {
        s.speaker = other(s.speaker);
        auto& swaps = s.vars[kSwaps];
        swaps = std::get<std::int64_t>(swaps) + 1;
        if (!step.message.empty()) guide(step, Audience::Both, step.message);
        s.step = step.next;
        break;
      }
      case StepKind::Branch: {
        std::size_t target = step.next;
        StateVariables vars(s);
        for (const Rule& rule : step.rules) {
          if (evaluate(rule.when, vars)) {
            target = rule.target_index;
            break;
          }
        }
        s.step = target;
        break;
      }
      case StepKind::End:
        guide(step, step.to, step.message);
        s.status = SessionStatus::Completed;
        return Ok{};
      case StepKind::Ask:
        s.answered.clear();
        guide(step, step.to, step.prompt);
        return Ok{};
      case StepKind::Reflect:
        s.phase = ReflectPhase::Mirror;
        s.round = 1;
        guide(step, Audience::Listener, step.reflect.mirror);
        return Ok{};
    }
  }
  return make_error("internal", "flow \"" + flow.id + "\" ran " + std::to_string(kMaxAutoSteps) +
                                    " steps without asking anything; it loops");
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
  return spec;
}

Status check_value(const InputSpec& spec, const Value& value) {
  switch (spec.type) {
    case InputType::Text:
      if (!is_text(value)) return make_error("invalid-field", "\"value\" must be text", {{"field", "value"}});
      if (std::get<std::string>(value).empty()) return make_error("text-empty", "the answer is empty");
      return Ok{};
    case InputType::Choice: {
      if (!is_text(value)) return make_error("invalid-field", "\"value\" must be text", {{"field", "value"}});
      const auto& v = std::get<std::string>(value);
      bool offered = std::any_of(spec.options.begin(), spec.options.end(), [&](const auto& o) { return o.first == v; });
      if (!offered) return make_error("invalid-choice", "\"" + v + "\" is not one of the options");
      return Ok{};
    }
    case InputType::Scale: {
      if (!is_number(value)) return make_error("invalid-field", "\"value\" must be a whole number", {{"field", "value"}});
      auto v = std::get<std::int64_t>(value);
      if (v < spec.min || v > spec.max)
        return make_error("invalid-scale", std::to_string(v) + " is outside " + std::to_string(spec.min) + "–" + std::to_string(spec.max),
                          {{"min", std::int64_t{spec.min}}, {"max", std::int64_t{spec.max}}});
      return Ok{};
    }
  }
  return Ok{};
}

Result<Outcome> apply_input(const Flow& flow, const SessionState& state, const Event& event) {
  const Step& step = flow.steps[state.step];
  if (!event.step.empty() && event.step != step.id) {
    return make_error("seq-conflict", "the input answers step \"" + event.step + "\" but the session is at step \"" + step.id + "\"");
  }
  auto waiting = awaiting(flow, state);
  auto mine = std::find_if(waiting.begin(), waiting.end(), [&](const Awaited& a) { return a.partner == event.by; });
  if (mine == waiting.end()) {
    Partner turn = waiting.empty() ? other(event.by) : waiting.front().partner;
    return make_error("not-your-turn", "partner " + std::string(to_string(event.by)) + " is not being asked at step \"" + step.id + "\"",
                      {{"name", state.info(turn).name}});
  }
  if (auto ok = check_value(mine->input, event.value); !ok) return ok.error();

  Outcome out{state, {}};
  SessionState& s = out.state;
  s.seq = state.seq + 1;
  Entry input;
  input.kind = EntryKind::Input;
  input.seq = s.seq;
  input.step = step.id;
  input.by = event.by;
  input.value = event.value;
  if (mine->input.type == InputType::Choice) {
    const auto& v = std::get<std::string>(event.value);
    for (const auto& [value, label] : mine->input.options)
      if (value == v) input.message = label;
  }
  out.entries.push_back(std::move(input));

  auto emit = [&](Audience to, const std::string& key) {
    Entry e;
    e.kind = EntryKind::Guide;
    e.seq = s.seq;
    e.step = step.id;
    e.to = resolve(to, s);
    e.message = flow_message(flow, step, key, s);
    out.entries.push_back(std::move(e));
  };
  auto finish_step = [&]() -> Result<Outcome> {
    s.step = step.next;
    if (auto ok = run(flow, s, s.seq, out.entries); !ok) return ok.error();
    return std::move(out);
  };

  if (step.kind == StepKind::Ask) {
    s.vars[capture_name(step, event.by)] = event.value;
    if (step.to == Audience::Both) {
      s.answered.insert(event.by);
      if (s.answered.size() < 2) return out;
      s.answered.clear();
    }
    return finish_step();
  }
  // Reflective listening: mirror → check → (clarify → mirror again)*, bounded by max_rounds.
  switch (s.phase) {
    case ReflectPhase::Mirror:
      s.vars[step.capture] = event.value;
      s.phase = ReflectPhase::Check;
      emit(Audience::Speaker, step.reflect.check);
      return out;
    case ReflectPhase::Check:
      if (std::get<std::string>(event.value) == "got_it") return finish_step();
      if (s.round < step.max_rounds) {
        s.phase = ReflectPhase::Clarify;
        emit(Audience::Speaker, step.reflect.clarify);
        return out;
      }
      emit(Audience::Both, step.reflect.enough);
      return finish_step();
    case ReflectPhase::Clarify:
      s.round += 1;
      s.phase = ReflectPhase::Mirror;
      emit(Audience::Listener, step.reflect.again);
      return out;
  }
  return out;
}

Entry event_entry(const SessionState& s, const std::string& step, Partner by, const char* name, const std::string& key) {
  Entry e;
  e.kind = EntryKind::Event;
  e.seq = s.seq;
  e.step = step;
  e.by = by;
  e.event = name;
  e.message = ui_message(key, s, by);
  return e;
}

}  // namespace

Result<Outcome> apply(const Flow& flow, const SessionState& state, const Event& event) {
  if (event.kind == EventKind::Start) {
    if (state.seq != 0) return make_error("internal", "the session has already started");
    Outcome out;
    SessionState& s = out.state;
    s.seq = 1;
    s.partners = event.partners;
    s.vars[kSwaps] = std::int64_t{0};
    if (auto ok = run(flow, s, s.seq, out.entries); !ok) return ok.error();
    return out;
  }
  if (state.seq == 0) return make_error("internal", "the session has not started");
  if (state.ended()) return make_error("ended", "the session has already ended");

  const std::string& step_id = flow.steps[state.step].id;
  switch (event.kind) {
    case EventKind::Input:
      if (state.status == SessionStatus::Paused) return make_error("paused", "the session is paused");
      return apply_input(flow, state, event);
    case EventKind::Pause: {
      if (state.status == SessionStatus::Paused) return make_error("paused", "the session is already paused");
      Outcome out{state, {}};
      SessionState& s = out.state;
      s.seq += 1;
      s.status = SessionStatus::Paused;
      s.paused_by = event.by;
      s.ready.clear();
      out.entries.push_back(event_entry(s, step_id, event.by, "pause", "engine.paused"));
      return out;
    }
    case EventKind::Resume: {
      if (state.status != SessionStatus::Paused) return make_error("not-paused", "the session is not paused");
      if (state.ready.count(event.by)) return make_error("paused", "this partner is already ready; waiting for the other");
      Outcome out{state, {}};
      SessionState& s = out.state;
      s.seq += 1;
      s.ready.insert(event.by);
      out.entries.push_back(event_entry(s, step_id, event.by, "ready", "engine.ready"));
      if (s.ready.size() == 2) {
        s.status = SessionStatus::Active;
        s.paused_by.reset();
        s.ready.clear();
        Entry resumed = event_entry(s, step_id, event.by, "resume", "engine.resumed");
        resumed.by.reset();
        resumed.message->args.clear();
        out.entries.push_back(std::move(resumed));
      }
      return out;
    }
    case EventKind::Stop: {
      Outcome out{state, {}};
      SessionState& s = out.state;
      s.seq += 1;
      s.status = SessionStatus::Stopped;
      s.stopped_by = event.by;
      s.paused_by.reset();
      s.ready.clear();
      out.entries.push_back(event_entry(s, step_id, event.by, "stop", "engine.stopped"));
      return out;
    }
    case EventKind::Start:
      break;
  }
  return make_error("internal", "unknown event");
}

std::vector<Awaited> awaiting(const Flow& flow, const SessionState& s) {
  std::vector<Awaited> out;
  if (s.seq == 0 || s.status != SessionStatus::Active) return out;
  const Step& step = flow.steps[s.step];
  if (step.kind == StepKind::Ask) {
    InputSpec spec = ask_spec(flow, step, s);
    for (Partner p : partners_of(resolve(step.to, s))) {
      if (!s.answered.count(p)) out.push_back({p, step.id, spec});
    }
  } else if (step.kind == StepKind::Reflect) {
    Partner who = s.phase == ReflectPhase::Mirror ? s.listener() : s.speaker;
    out.push_back({who, step.id, reflect_spec(flow, step, s)});
  }
  return out;
}

Result<Outcome> replay(const Flow& flow, const std::vector<Event>& events) {
  Outcome total;
  for (const Event& event : events) {
    auto next = apply(flow, total.state, event);
    if (!next) return next.error();
    total.state = std::move(next->state);
    for (auto& e : next->entries) total.entries.push_back(std::move(e));
  }
  return total;
}

}  // namespace tandem
