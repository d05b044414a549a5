// Consent invariants 3, 4 and 6 (DESIGN.md), enforced by the engine for every flow, and the
// adversarial flows that try to get around them, which the loader refuses. Invariants 1 and 2
// (pause, stop) are in engine_test.cc; 5 (private input) in step_kinds_test.cc.
#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {

// Answers the opening comfort check of kProposalFlow comfortably.
void comfortable(SessionDriver& w) {
  w.answer(Partner::A, std::int64_t{8});
  w.answer(Partner::B, std::int64_t{7});
}

SessionDriver walk(const std::string& json, bool round_trip) {
  return SessionDriver(FlowSet::single(flow_from(json)), round_trip,
                       Event::start({PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}}));
}

// After a soft no this flow asks for another proposal and comes back to the same question: fine
// for a new proposal, but the engine must not let the declined one be asked again.
const char* kProposalFlow = R"({ "format": 1, "id": "propose", "version": "1", "title": "t", "description": "d", "steps": [
  { "id": "comfort", "kind": "ask", "to": "both", "input": "scale", "prompt": "c", "capture": "comfort", "low": "l",
    "high": "h", "comfort": true, "when_low": "gentle" },
  { "id": "idea", "kind": "ask", "to": "a", "input": "text", "prompt": "idea", "capture": "proposal" },
  { "id": "answer", "kind": "ask", "to": "b", "input": "choice", "prompt": "answer", "capture": "answer",
    "proposal": "proposal",
    "options": [ { "value": "yes", "label": "yes", "consent": "yes" },
                 { "value": "maybe", "label": "maybe", "consent": "tentative" },
                 { "value": "no", "label": "no", "consent": "soft_no" } ] },
  { "id": "route", "kind": "branch", "rules": [ { "if": { "var": "answer", "eq": "no" }, "goto": "again" },
                                                { "if": { "var": "answer", "eq": "maybe" }, "goto": "closer" } ] },
  { "id": "done", "kind": "end", "to": "both", "message": "done" },
  { "id": "again", "kind": "ask", "to": "a", "input": "text", "prompt": "another", "capture": "proposal", "next": "answer" },
  { "id": "closer", "kind": "say", "to": "both", "message": "closer", "escalates": true, "decline": "gentle" },
  { "id": "closest", "kind": "ask", "to": "both", "input": "confirm", "prompt": "closest", "capture": "c",
    "escalates": true, "decline": "gentle" },
  { "id": "end", "kind": "end", "to": "both", "message": "bye" },
  { "id": "gentle", "kind": "end", "to": "both", "message": "gentle" }
] })";

}  // namespace

TEST_CASE("invariant 3: a soft no is honoured and the same proposal is never asked again", "[consent]") {
  SessionDriver w = walk(kProposalFlow, GENERATE(false, true));
  comfortable(w);
  w.answer(Partner::A, std::string("a bath together"));
  w.answer(Partner::B, std::string("no"));
  CHECK(w.state().declined == List{"a bath together"});
  CHECK(w.step() == "again");
  // The same proposal typed again is set aside by the engine, not asked.
  w.answer(Partner::A, std::string("a bath together"));
  CHECK(w.said("ui:engine.set_aside"));
  CHECK(w.asked() == "a");
  CHECK(w.step() == "again");
  // A different one is asked as usual.
  w.answer(Partner::A, std::string("a walk"));
  CHECK(w.step() == "answer");
  CHECK(w.asked() == "b");
  w.answer(Partner::B, std::string("yes"));
  CHECK(w.entries().back().message->key == "done");
}

TEST_CASE("invariant 4: a tentative yes is checked in on before every step that escalates", "[consent]") {
  bool round_trip = GENERATE(false, true);
  SECTION("still okay: each escalating step is preceded by its own check-in") {
    SessionDriver w = walk(kProposalFlow, round_trip);
    comfortable(w);
    w.answer(Partner::A, std::string("holding hands"));
    w.answer(Partner::B, std::string("maybe"));
    CHECK(w.state().tentative_by == Partner::B);
    CHECK(w.step() == "closer");
    CHECK(w.asked() == "b");  // only the partner who said maybe is asked
    CHECK(w.entries().back().message->id() == "ui:engine.checkin");
    CHECK(w.entries().back().to == Audience::B);
    w.answer(Partner::B, std::string("continue"));
    CHECK(w.said("propose:closer"));
    CHECK(w.step() == "closest");
    CHECK(w.asked() == "b");  // the next escalating step gets a check-in of its own
    w.answer(Partner::B, std::string("continue"));
    CHECK(w.asked() == "ab");
  }
  SECTION("not now: the step is declined, the proposal set aside, and the flow goes to its decline") {
    SessionDriver w = walk(kProposalFlow, round_trip);
    comfortable(w);
    w.answer(Partner::A, std::string("holding hands"));
    w.answer(Partner::B, std::string("maybe"));
    w.answer(Partner::B, std::string("not_now"));
    CHECK_FALSE(w.said("propose:closer"));
    CHECK(w.said("ui:engine.checkin_declined"));
    CHECK(w.state().declined == List{"holding hands"});
    CHECK_FALSE(w.state().tentative_by.has_value());
    CHECK(w.entries().back().message->key == "gentle");
    CHECK(w.state().status == SessionStatus::Completed);
  }
}

TEST_CASE("invariant 6: a comfort check below the threshold always goes to its grounding step", "[consent]") {
  const std::string flow = R"({ "format": 1, "id": "comfort", "version": "1", "title": "t", "description": "d",
    "comfort_threshold": 5, "steps": [
    { "id": "check", "kind": "ask", "to": "both", "input": "scale", "prompt": "p", "capture": "comfort",
      "low": "low", "high": "high", "comfort": true, "when_low": "ground" },
    { "id": "route", "kind": "branch", "rules": [ { "if": { "var": "comfort_a", "ge": 0 }, "goto": "on" } ] },
    { "id": "on", "kind": "end", "to": "both", "message": "on" },
    { "id": "ground", "kind": "say", "to": "both", "message": "breathe", "next": "check" } ] })";
  bool round_trip = GENERATE(false, true);
  SessionDriver w = walk(flow, round_trip);
  w.answer(Partner::A, std::int64_t{9});
  w.answer(Partner::B, std::int64_t{4});  // below 5: the flow's own branch would go on; the engine does not
  CHECK(w.said("comfort:breathe"));
  CHECK(w.step() == "check");
  w.answer(Partner::A, std::int64_t{5});
  w.answer(Partner::B, std::int64_t{5});
  CHECK(w.entries().back().message->key == "on");
}

TEST_CASE("adversarial flows that would break consent are refused when they load", "[consent][flow]") {
  auto errors = [](const std::string& steps) {
    std::vector<std::string> out;
    auto load = load_flow(R"({ "format": 1, "id": "bad", "version": "1", "title": "t", "description": "d", "steps": [ )" + steps + " ] }", "bad.json");
    for (const auto& d : load.errors) out.push_back(d.message);
    return out;
  };
  CHECK(errors(R"({ "id": "ask", "kind": "ask", "to": "a", "input": "scale", "prompt": "p", "capture": "c", "low": "l", "high": "h", "comfort": true },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"ask\": a comfort check needs \"when_low\": a grounding step or a step back"});
  CHECK(errors(R"({ "id": "touch", "kind": "say", "to": "both", "message": "m", "escalates": true },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"touch\": an escalating step needs \"decline\": where to go if a check-in says not now"});
  // A decline path that comes straight back to the same proposal.
  CHECK(errors(R"({ "id": "idea", "kind": "ask", "to": "a", "input": "text", "prompt": "p", "capture": "idea" },
                  { "id": "ask", "kind": "ask", "to": "b", "input": "choice", "prompt": "p", "capture": "x", "proposal": "idea",
                    "options": [ { "value": "yes", "label": "y", "consent": "yes" }, { "value": "no", "label": "n", "consent": "soft_no" } ] },
                  { "id": "route", "kind": "branch", "rules": [ { "if": { "var": "x", "eq": "no" }, "goto": "persuade" } ] },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" },
                  { "id": "persuade", "kind": "say", "to": "b", "message": "are_you_sure", "next": "ask" })") ==
        std::vector<std::string>{"step \"ask\": after \"no\" the flow can come back to this same proposal; a soft no must move on"});
  // An escalation with one path that goes round the comfort check.
  CHECK(errors(R"({ "id": "start", "kind": "branch", "rules": [ { "if": { "var": "swaps", "ge": 0 }, "goto": "touch" } ] },
                  { "id": "check", "kind": "ask", "to": "both", "input": "scale", "prompt": "p", "capture": "c", "low": "l",
                    "high": "h", "comfort": true, "when_low": "end" },
                  { "id": "touch", "kind": "say", "to": "both", "message": "m", "escalates": true, "decline": "end" },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"touch\" escalates, but a path reaches it without a comfort check first"});
  CHECK(errors(R"({ "id": "touch", "kind": "say", "to": "both", "message": "m", "escalates": true, "decline": "end" },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"touch\" escalates, but a path reaches it without a comfort check first"});
  // A dead end: a loop with no way out.
  CHECK(errors(R"({ "id": "one", "kind": "ask", "to": "a", "input": "text", "prompt": "p", "capture": "x" },
                  { "id": "two", "kind": "say", "to": "both", "message": "m", "next": "one" },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"end\" can never be reached", "step \"one\" is a dead end: the flow can never end from here",
                                 "step \"two\" is a dead end: the flow can never end from here"});
  CHECK(errors(R"({ "id": "idea", "kind": "ask", "to": "a", "input": "text", "prompt": "p", "capture": "idea" },
                  { "id": "ask", "kind": "ask", "to": "b", "input": "choice", "prompt": "p", "capture": "x", "proposal": "idea",
                    "options": [ { "value": "yes", "label": "y", "consent": "yes" }, { "value": "ok", "label": "o" } ] },
                  { "id": "end", "kind": "end", "to": "both", "message": "m" })") ==
        std::vector<std::string>{"step \"ask\": a proposal needs an option with \"consent\": \"soft_no\", so it can always be declined"});
}
