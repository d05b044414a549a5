#include "plan_runner.h"

#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace tandem::testing {
namespace {

// List arguments are part of what a plan checks ("items=[item.a,item.b]"): they say what a reveal
// showed and what an agreement write changed.
std::string list_args(const MessageRef& m) {
  std::string out;
  for (const auto& [name, value] : m.args) {
    if (!is_list(value)) continue;
    out += " " + name + "=[";
    const List& items = std::get<List>(value);
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    out += "]";
  }
  return out;
}

std::string describe(const Entry& e) {
  if (e.kind == EntryKind::Guide) {
    bool own = e.message->catalog != kUiCatalog && e.step.find('/') == std::string::npos;
    std::string key = own ? e.message->key : e.message->id();
    return "< " + std::string(to_string(e.to)) + " " + key + list_args(*e.message);
  }
  if (e.kind == EntryKind::Event) return "< " + std::string(e.by ? to_string(*e.by) : "both") + " " + e.message->id();
  return "";
}

std::string trim(const std::string& s) {
  auto start = s.find_first_not_of(" \t\r");
  if (start == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(start, end - start + 1);
}

// Parses a value: "quoted text", a whole number, [a, list, of, words], or a bare word (a choice).
Value parse_value(const std::string& text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    List list;
    std::istringstream items(text.substr(1, text.size() - 2));
    for (std::string item; std::getline(items, item, ',');)
      if (!trim(item).empty()) list.push_back(trim(item));
    return list;
  }
  bool number = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
  if (number) return std::int64_t{std::stoll(text)};
  return text;
}

class Runner {
 public:
  Runner(const FlowSet& flows, std::string name, bool round_trip) : flows_(flows), name_(std::move(name)), round_trip_(round_trip) {}

  PlanResult run(const std::string& text) {
    std::istringstream lines(text);
    std::string raw;
    while (std::getline(lines, raw)) {
      ++line_;
      std::string line = trim(raw);
      if (line.empty() || line[0] == '#') continue;
      if (!step(line)) return {false, report_.str()};
    }
    if (!check_outputs()) return {false, report_.str()};
    if (!check_replay()) return {false, report_.str()};
    return {true, ""};
  }

 private:
  bool fail(const std::string& why) {
    report_ << name_ << ":" << line_ << ": " << why << (round_trip_ ? " (round-trip mode)" : "") << "\n";
    return false;
  }

  // Compares what the engine said since the last check with the "<" lines written since then.
  bool check_outputs() {
    bool same = produced_ == expected_;
    if (!same) {
      std::ostringstream diff;
      diff << "output differs\n  expected:\n";
      for (const auto& e : expected_) diff << "    " << e << "\n";
      diff << "  actual:\n";
      for (const auto& a : produced_) diff << "    " << a << "\n";
      fail(diff.str());
    }
    produced_.clear();
    expected_.clear();
    return same;
  }

  bool apply_event(const Event& event, const std::string& expect_error) {
    auto outcome = apply(flows_, state_, event);
    if (!expect_error.empty()) {
      if (outcome) return fail("expected error " + expect_error + " but the event was accepted");
      if (outcome.error().code != expect_error)
        return fail("expected error " + expect_error + " but got " + outcome.error().code + ": " + outcome.error().message);
      return true;
    }
    if (!outcome) return fail("event refused: " + outcome.error().code + ": " + outcome.error().message);
    events_.push_back(event);
    state_ = std::move(outcome->state);
    for (const Entry& e : outcome->entries) {
      entries_.push_back(e);
      if (e.kind != EntryKind::Input) produced_.push_back(describe(e));
    }
    if (round_trip_) {
      SessionState reloaded = state_from_json(nlohmann::json::parse(state_to_json(state_).dump()));
      if (!(reloaded == state_)) return fail("state changed in a serialization round trip");
      state_ = std::move(reloaded);
    }
    return true;
  }

  bool step(const std::string& line) {
    std::istringstream words(line);
    std::string op;
    words >> op;
    if (op == "<") {
      expected_.push_back(line);
      return true;
    }
    if (!check_outputs()) return false;
    if (op == "agreement") {  // the agreement as it stood before: "agreement 2 pause_word=kiwi"
      words >> start_.agreement_version;
      for (std::string pair; words >> pair;) {
        auto eq = pair.find('=');
        if (eq == std::string::npos) return fail("agreement fields are name=value");
        start_.agreement[pair.substr(0, eq)] = parse_value(pair.substr(eq + 1));
      }
      return true;
    }
    if (op == "partners") {
      std::array<PartnerInfo, 2> partners;
      for (auto& p : partners) {
        std::string word;
        words >> word;
        auto colon = word.find(':');
        if (colon == std::string::npos) return fail("partners are NAME:LOCALE");
        p = PartnerInfo{word.substr(0, colon), word.substr(colon + 1)};
      }
      start_.kind = EventKind::Start;
      start_.partners = partners;
      return apply_event(start_, "");
    }
    if (op == ">" || op == "!") {
      std::string who;
      words >> who;
      auto partner = parse_partner(who);
      if (!partner) return fail("unknown partner \"" + who + "\"");
      std::string rest;
      std::getline(words, rest);
      rest = trim(rest);
      std::string expect_error;
      if (auto bang = rest.rfind(" !"); bang != std::string::npos) {
        expect_error = rest.substr(bang + 2);
        rest = trim(rest.substr(0, bang));
      }
      if (op == ">") return apply_event(Event::input(*partner, "", parse_value(rest)), expect_error);
      static const std::map<std::string, EventKind> controls = {
          {"pause", EventKind::Pause}, {"resume", EventKind::Resume}, {"stop", EventKind::Stop}};
      auto kind = controls.find(rest);
      if (kind == controls.end()) return fail("unknown action \"" + rest + "\" (pause, resume or stop)");
      return apply_event(Event::control(kind->second, *partner), expect_error);
    }
    if (op == "?") {
      std::string want, word;
      while (words >> word) want += (want.empty() ? "" : " ") + word;
      std::string have;
      for (const Awaited& a : awaiting(flows_, state_)) have += (have.empty() ? "" : " ") + std::string(to_string(a.partner));
      if (have.empty()) have = "none";
      if (have != want) return fail("expected to wait for \"" + want + "\" but waits for \"" + have + "\"");
      return true;
    }
    if (op == "=") {
      std::string want;
      words >> want;
      if (to_string(state_.status) != want) return fail("expected status " + want + " but it is " + std::string(to_string(state_.status)));
      return true;
    }
    if (op == "flow") return true;  // names the flow; the test picks it
    return fail("unknown line \"" + line + "\"");
  }

  // Replaying the whole log must give the same state and the same conversation, bit for bit.
  bool check_replay() {
    auto replayed = replay(flows_, events_);
    if (!replayed) return fail("replay failed: " + replayed.error().message);
    if (!(replayed->state == state_)) return fail("replaying the log gives a different state");
    if (replayed->entries.size() != entries_.size()) return fail("replaying the log gives a different conversation");
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const Entry& a = replayed->entries[i];
      const Entry& b = entries_[i];
      if (a.seq != b.seq || a.step != b.step || a.message != b.message || a.value != b.value || a.by != b.by)
        return fail("replaying the log gives a different entry " + std::to_string(i + 1));
    }
    return true;
  }

  const FlowSet& flows_;
  Event start_;
  std::string name_;
  bool round_trip_;
  int line_ = 0;
  SessionState state_;
  std::vector<Event> events_;
  std::vector<Entry> entries_;
  std::vector<std::string> produced_, expected_;
  std::ostringstream report_;
};

}  // namespace

PlanResult run_plan(const FlowSet& flows, const std::string& plan_text, const std::string& plan_name, bool round_trip) {
  return Runner(flows, plan_name, round_trip).run(plan_text);
}

}  // namespace tandem::testing
