// The step kinds beyond say/ask-text/reflect: several choices, yes/maybe/no, confirmation,
// private lists with their reveal rule, timers, the agreement, sub-flows and parameters.
// Every test runs directly and with the state round-tripped after each event.
#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {

std::string flow_json(const std::string& id, const std::string& steps, const std::string& extra = "") {
  return R"({ "format": 1, "id": ")" + id + R"(", "version": "1", "title": "t", "description": "d", )" + extra +
         R"( "steps": [ )" + steps + " ] }";
}

}  // namespace

TEST_CASE("several choices, yes/maybe/no and confirmation take only what they offer", "[engine][kinds]") {
  SessionDriver s(FlowSet::single(flow_from(flow_json("kinds", R"(
    { "id": "pick", "kind": "ask", "to": "a", "input": "multi", "prompt": "p", "capture": "picked", "min": 1, "max": 2,
      "options": [ { "value": "walk", "label": "o.walk" }, { "value": "tea", "label": "o.tea" }, { "value": "bath", "label": "o.bath" } ] },
    { "id": "ymn", "kind": "ask", "to": "b", "input": "yes_maybe_no", "prompt": "p2", "capture": "ok" },
    { "id": "sure", "kind": "ask", "to": "both", "input": "confirm", "prompt": "p3", "capture": "sure" },
    { "id": "say", "kind": "say", "to": "both", "message": "m", "args": ["picked"] },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })"))),
            GENERATE(false, true));
  CHECK(s.refused(Partner::A, List{}) == "invalid-choice");
  CHECK(s.refused(Partner::A, List{"walk", "tea", "bath"}) == "invalid-choice");
  CHECK(s.refused(Partner::A, List{"walk", "walk"}) == "invalid-choice");
  CHECK(s.refused(Partner::A, List{"swim"}) == "invalid-choice");
  CHECK(s.refused(Partner::A, std::string("walk")) == "invalid-field");
  s.answer(Partner::A, List{"tea", "walk"});
  CHECK(s.last_input().labels == List{"o.tea", "o.walk"});
  auto asked = s.awaiting();
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].input.options.size() == 3);
  CHECK(asked[0].input.options[1].second.id() == "ui:answer.maybe");
  CHECK(s.refused(Partner::B, std::string("perhaps")) == "invalid-choice");
  s.answer(Partner::B, std::string("maybe"));
  CHECK(s.last_input().message->id() == "ui:answer.maybe");
  CHECK(s.refused(Partner::A, std::string("yes")) == "invalid-choice");
  s.answer(Partner::A, std::string("ok"));
  s.answer(Partner::B, std::string("ok"));
  // The chosen options reach messages as their labels, to be shown as a localized list.
  const Entry& said = s.entries()[s.entries().size() - 2];
  CHECK(said.message->args.at("picked") == Value{List{"o.tea", "o.walk"}});
  CHECK(s.state().status == SessionStatus::Completed);
  s.check_replay();
}

TEST_CASE("a private list is addressed only to its author; only shared yeses and gentle maybes are revealed", "[engine][kinds][consent]") {
  SessionDriver s(FlowSet::single(flow_from(flow_json("lists", R"(
    { "id": "wishes", "kind": "private", "prompt": "p", "capture": "w",
      "items": ["i.hands", "i.cuddle", "i.bath", "i.massage"],
      "reveal": { "shared": "r.shared", "none": "r.none", "maybes": "r.maybes" } },
    { "id": "end", "kind": "end", "to": "both", "message": "bye", "args": ["w_shared", "w_maybe"] })"))),
            GENERATE(false, true));
  auto asked = s.awaiting();
  REQUIRE(asked.size() == 2);
  CHECK(asked[0].input.is_private);
  CHECK(asked[0].input.items.size() == 4);
  CHECK(s.refused(Partner::A, List{"yes", "no"}) == "invalid-choice");
  CHECK(s.refused(Partner::A, List{"yes", "no", "sure", "no"}) == "invalid-choice");
  s.answer(Partner::A, List{"yes", "maybe", "no", "maybe"});
  const Entry& mine = s.last_input();
  CHECK(mine.only == Partner::A);
  CHECK_FALSE(mine.visible_to(Partner::B));
  CHECK(s.refused(Partner::A, List{"yes", "yes", "yes", "yes"}) == "not-your-turn");
  s.answer(Partner::B, List{"yes", "yes", "maybe", "no"});
  CHECK(s.last_input().only == Partner::B);
  // hands: yes+yes → shared. cuddle: maybe+yes → a gentle maybe. bath: a no → never shown.
  // massage: maybe+no → never shown either, so nobody can infer the other's no.
  CHECK(s.state().vars.at("w_shared") == Value{List{"i.hands"}});
  CHECK(s.state().vars.at("w_maybe") == Value{List{"i.cuddle"}});
  const Entry& shared = s.entries()[s.entries().size() - 3];
  CHECK(shared.message->key == "r.shared");
  CHECK(shared.message->args.at("items") == Value{List{"i.hands"}});
  CHECK_FALSE(shared.only.has_value());
  CHECK(s.entries()[s.entries().size() - 2].message->key == "r.maybes");
  for (const Entry& e : s.entries()) {
    if (e.only) continue;  // what either partner can see mentions no item anyone said no to
    if (e.message)
      for (const auto& [name, value] : e.message->args)
        if (is_list(value)) {
          for (const auto& item : std::get<List>(value)) {
            CHECK(item != "i.bath");
            CHECK(item != "i.massage");
          }
        }
  }
  s.check_replay();
}

TEST_CASE("a reveal with nothing shared says so, and a private variable can never be read by a flow", "[engine][kinds][consent]") {
  SessionDriver s(FlowSet::single(flow_from(flow_json("none", R"(
    { "id": "wishes", "kind": "private", "prompt": "p", "capture": "w", "items": ["i.a", "i.b"],
      "reveal": { "shared": "r.shared", "none": "r.none", "maybes": "r.maybes" } },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })"))),
            GENERATE(false, true));
  s.answer(Partner::B, List{"no", "yes"});
  s.answer(Partner::A, List{"yes", "no"});
  CHECK(s.last_key(1) == "r.none");
  // Adversarial flows that try to use one partner's private answers are refused at load time.
  for (const char* steps : {
           R"({ "id": "w", "kind": "private", "prompt": "p", "capture": "w", "items": ["i.a"], "reveal": { "shared": "s", "none": "n", "maybes": "m" } },
              { "id": "leak", "kind": "say", "to": "b", "message": "m", "args": ["w_a"] },
              { "id": "end", "kind": "end", "to": "both", "message": "bye" })",
           R"({ "id": "w", "kind": "private", "prompt": "p", "capture": "w", "items": ["i.a"], "reveal": { "shared": "s", "none": "n", "maybes": "m" } },
              { "id": "peek", "kind": "branch", "rules": [ { "if": { "var": "w_b", "has": "no" }, "goto": "end" } ] },
              { "id": "end", "kind": "end", "to": "both", "message": "bye" })"}) {
    auto load = load_flow(flow_json("leaky", steps), "leaky.json");
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].message.find("is one partner's private answer and can never be shown or used") != std::string::npos);
  }
}

TEST_CASE("a timer shows its pacing and either partner can end it", "[engine][kinds]") {
  SessionDriver s(FlowSet::single(flow_from(flow_json("timer", R"(
    { "id": "breathe", "kind": "timer", "to": "both", "message": "m", "seconds": 60, "pacing": "4-7-8" },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })"))),
            GENERATE(false, true));
  auto asked = s.awaiting();
  REQUIRE(asked.size() == 2);
  CHECK(asked[0].input.seconds == 60);
  CHECK(asked[0].input.pacing.name == "4-7-8");
  CHECK(asked[0].input.pacing.hold_ms == 7000);
  CHECK(asked[0].input.pacing.max_cycles == 4);
  s.answer(Partner::B, std::string("done"));
  CHECK(s.state().status == SessionStatus::Completed);
}

TEST_CASE("the agreement is read from the start snapshot and written as a new version with what changed", "[engine][kinds]") {
  Event start = Event::start({PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}});
  start.agreement = {{"pause_word", "pineapple"}, {"review_months", std::int64_t{6}}};
  start.agreement_version = 3;
  SessionDriver s(FlowSet::single(flow_from(flow_json("agree", R"(
    { "id": "load", "kind": "agreement", "action": "read" },
    { "id": "show", "kind": "say", "to": "both", "message": "last", "args": ["agreement_pause_word", "agreement_version"] },
    { "id": "word", "kind": "ask", "to": "a", "input": "text", "prompt": "p", "capture": "word" },
    { "id": "save", "kind": "agreement", "action": "write", "set": { "pause_word": "word", "review_months": "agreement_review_months" },
      "message": "saved", "args": ["agreement_changed", "agreement_version"] },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })"))),
            GENERATE(false, true), start);
  CHECK(s.entries()[0].message->args == Args{{"agreement_pause_word", "pineapple"}, {"agreement_version", std::int64_t{3}}});
  s.answer(Partner::A, std::string("kiwi"));
  REQUIRE(s.agreement().has_value());
  CHECK(*s.agreement() == Args{{"pause_word", "kiwi"}, {"review_months", std::int64_t{6}}});
  const Entry& saved = s.entries()[s.entries().size() - 2];
  CHECK(saved.message->args == Args{{"agreement_changed", List{"field.pause_word"}}, {"agreement_version", std::int64_t{4}}});
  s.check_replay();
}

TEST_CASE("a called flow runs in place and returns to the step after the call", "[engine][kinds]") {
  FlowSet set;
  set.root = flow_from(flow_json("main", R"(
    { "id": "hello", "kind": "say", "to": "both", "message": "hi" },
    { "id": "ground", "kind": "call", "flow": "calm" },
    { "id": "after", "kind": "ask", "to": "a", "input": "text", "prompt": "p", "capture": "x" },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })"));
  FlowPtr calm = flow_from(flow_json("calm", R"(
    { "id": "breathe", "kind": "timer", "to": "both", "message": "in", "seconds": 30, "pacing": "box", "args": ["breaths"] },
    { "id": "back", "kind": "end", "to": "both", "message": "welcome_back" })",
                                     R"("params": { "breaths": { "type": "number", "default": 4 } },)"));
  set.flows = {{"main", set.root}, {"calm", calm}};
  SessionDriver s(set, GENERATE(false, true));
  CHECK(s.step() == "calm/breathe");
  CHECK(s.entries().back().message->id() == "calm:in");
  CHECK(s.entries().back().step == "calm/breathe");
  CHECK(s.entries().back().message->args == Args{{"breaths", std::int64_t{4}}});  // a called flow's default
  s.answer(Partner::A, std::string("done"));
  CHECK(s.step() == "after");
  CHECK(s.last_key(1) == "welcome_back");
  CHECK(s.state().status == SessionStatus::Active);
  s.check_replay();
}

TEST_CASE("parameters take the assignment's value or their default", "[engine][kinds]") {
  FlowPtr flow = flow_from(flow_json("params", R"(
    { "id": "say", "kind": "say", "to": "both", "message": "m", "args": ["minutes", "focus"] },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })",
                                     R"("params": { "minutes": { "type": "number", "default": 10 }, "focus": { "type": "text", "default": "hands" } },)"));
  Event start = Event::start({PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}});
  start.params = {{"minutes", std::int64_t{20}}};
  SessionDriver s(FlowSet::single(flow), GENERATE(false, true), start);
  CHECK(s.entries()[0].message->args == Args{{"minutes", std::int64_t{20}}, {"focus", "hands"}});
}
