// Loader errors are checked word for word: they are what a therapist reads.
#include <catch2/catch.hpp>

#include "flow/flow_loader.h"
#include "test_support.h"

using namespace tandem;

namespace {
std::vector<std::string> errors_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& d : load_flow(text, "dialogs/test.json").errors) out.push_back(d.to_string());
  return out;
}

const char* kHeader = R"({
  "format": 1, "id": "test", "version": "1", "title": "title", "description": "description",
  "steps": [
)";
std::string flow_with(const std::string& steps) { return std::string(kHeader) + steps + "\n  ]\n}\n"; }
}  // namespace

TEST_CASE("a valid flow loads, with comments, defaults and resolved targets", "[flow]") {
  auto load = load_flow(R"(// a comment
{
  "format": 1, "id": "tiny", "version": "1.0", "title": "t", "description": "d",
  "steps": [
    { "id": "hello", "kind": "say", "to": "both", "message": "hello" }, /* block */
    { "id": "ask", "kind": "ask", "to": "speaker", "input": "scale", "prompt": "p", "capture": "comfort",
      "low": "low", "high": "high" },
    { "id": "check", "kind": "branch", "rules": [ { "if": { "var": "comfort", "lt": 4 }, "goto": "bye" } ],
      "else": "hello" },
    { "id": "bye", "kind": "end", "to": "both", "message": "bye" }
  ]
})",
                        "tiny.json");
  REQUIRE(load.errors.empty());
  const Flow& flow = *load.flow;
  CHECK(flow.steps.size() == 4);
  CHECK(flow.steps[0].next == 1);
  CHECK(flow.steps[1].min == 0);
  CHECK(flow.steps[1].max == 10);
  CHECK(flow.steps[2].next == 0);
  CHECK(flow.steps[2].rules[0].target_index == 3);
  CHECK(flow.steps[1].line == 6);
  CHECK(flow.message_keys() == std::vector<std::string>{"t", "d", "hello", "p", "low", "high", "bye"});
  CHECK(flow.hash.size() == 16);
}

TEST_CASE("invalid JSON is reported with line and column", "[flow]") {
  CHECK(errors_of("{\n  \"id\": \"x\",\n  \"steps\": [,]\n}") ==
        std::vector<std::string>{"dialogs/test.json:3:13: invalid JSON: syntax error while parsing value - "
                                 "unexpected ','; expected '[', '{', or a literal"});
}

TEST_CASE("header problems are all reported", "[flow]") {
  CHECK(errors_of(R"({ "format": 2, "id": "Bad Id", "title": 3, "description": "d", "steps": [], "colour": 1 })") ==
        std::vector<std::string>{
            "dialogs/test.json:1:87: unknown field \"colour\"",
            "dialogs/test.json:1:13: format 2 is not supported (this Tandem reads format 1)",
            "dialogs/test.json:1:22: flow id \"Bad Id\" must use lowercase letters, digits and single hyphens",
            "dialogs/test.json:1:1: missing \"version\"",
            "dialogs/test.json:1:41: \"title\" must be text",
            "dialogs/test.json:1:73: \"steps\" must list at least one step",
        });
}

TEST_CASE("an unknown target names the step and the target", "[flow]") {
  CHECK(errors_of(flow_with(R"(    { "id": "own-it", "kind": "say", "to": "both", "message": "m", "next": "aplogy" },
    { "id": "end", "kind": "end", "to": "both", "message": "bye" })")) ==
        std::vector<std::string>{"dialogs/test.json:4:76: step \"own-it\": unknown target \"aplogy\""});
}

TEST_CASE("step problems are reported where they are", "[flow]") {
  CHECK(errors_of(flow_with(R"(    { "id": "a", "kind": "sya" },
    { "id": "a", "kind": "end", "to": "both", "message": "m" },
    { "id": "b", "kind": "ask", "to": "everyone", "input": "choice", "prompt": "p", "capture": "x",
      "options": [ { "value": "yes", "label": "y" } ] },
    { "id": "c", "kind": "ask", "to": "a", "input": "slider", "prompt": "p", "capture": "y", "promt": "q" },
    { "id": "d", "kind": "reflect", "capture": "m", "max_rounds": 0, "prompts": { "mirror": "m" } },
    { "id": "e", "kind": "say", "to": "both", "message": "Not A Key" })")) ==
        std::vector<std::string>{
            "dialogs/test.json:4:26: step \"a\": unknown kind \"sya\" (expected say, ask, reflect, private, swap, timer, branch, agreement, call or end)",
            "dialogs/test.json:5:13: step \"a\": id already used by the step at line 4",
            "dialogs/test.json:6:39: step \"b\": \"to\" must be a, b, both, speaker or listener, not \"everyone\"",
            "dialogs/test.json:7:18: step \"b\": a choice needs at least two options",
            "dialogs/test.json:8:103: step \"c\": unknown field \"promt\" for an ask step",
            "dialogs/test.json:8:53: step \"c\": unknown input \"slider\" (expected text, choice, multi, scale, feeling, yes_maybe_no or confirm)",
            "dialogs/test.json:9:67: step \"d\": \"max_rounds\" must be between 1 and 10",
            "dialogs/test.json:9:81: step \"d\": missing \"check\"",
            "dialogs/test.json:9:81: step \"d\": missing \"got_it\"",
            "dialogs/test.json:9:81: step \"d\": missing \"more\"",
            "dialogs/test.json:9:81: step \"d\": missing \"clarify\"",
            "dialogs/test.json:9:81: step \"d\": missing \"again\"",
            "dialogs/test.json:9:81: step \"d\": missing \"enough\"",
            "dialogs/test.json:10:58: step \"e\": \"Not A Key\" is not a valid message key (use lowercase words joined by \".\" or \"_\")",
            "dialogs/test.json:10:5: step \"e\": the last step must end the flow or name its \"next\" step",
        });
}

TEST_CASE("conditions, arguments and fall-through are checked against the whole flow", "[flow]") {
  CHECK(errors_of(flow_with(R"(    { "id": "ask", "kind": "ask", "to": "both", "input": "text", "prompt": "p", "capture": "ready" },
    { "id": "check", "kind": "branch", "rules": [ { "if": { "var": "redy_a", "eq": "yes" }, "goto": "ask" },
                                                  { "if": { "var": "ready_b", "lt": "soon" }, "goto": "ask" } ] },
    { "id": "say", "kind": "say", "to": "both", "message": "m", "args": ["speaker", "propsal"] })")) ==
        std::vector<std::string>{
            "dialogs/test.json:6:85: step \"check\": rule 2: \"lt\" compares numbers, not text",
            "dialogs/test.json:5:59: step \"check\": rule 1: unknown variable \"redy_a\"",
            "dialogs/test.json:7:5: step \"say\": the last step must end the flow or name its \"next\" step",
            "dialogs/test.json:7:85: step \"say\": unknown argument \"propsal\"",
        });
}

TEST_CASE("the shipped flow loads", "[flow]") {
  // Checked here too, so a broken shipped flow fails with its own message.
  auto load = load_flow(testing::read_text(TANDEM_SOURCE_DIR "/dialogs/feel-prefer-try.json"), "dialogs/feel-prefer-try.json");
  for (const auto& e : load.errors) INFO(e.to_string());
  CHECK(load.errors.empty());
}

TEST_CASE("empty names and out-of-range numbers are refused, not silently read", "[flow]") {
  CHECK(errors_of(flow_with(R"(    { "id": "a", "kind": "say", "to": "both", "message": "m", "next": "" },
    { "id": "t", "kind": "timer", "to": "both", "message": "m", "seconds": 4294967356 },
    { "id": "end", "kind": "end", "to": "both", "message": "m" })")) ==
        std::vector<std::string>{
            "dialogs/test.json:4:71: step \"a\": \"next\" must not be empty",
            "dialogs/test.json:5:76: step \"t\": \"seconds\" must be a whole number",
        });
}

// Found by fuzzing (tests/fuzz/): each of these crashed the loader or slipped through it.
TEST_CASE("hostile flow files are refused cleanly, never crash the loader", "[flow]") {
  CHECK(errors_of(R"({ "format": 1e999 })") ==
        std::vector<std::string>{"dialogs/test.json:1:1: invalid JSON: a number is out of range"});
  std::string deep(50000, '[');
  deep += std::string(50000, ']');
  CHECK(errors_of(deep) == std::vector<std::string>{"dialogs/test.json:1:1: the flow nests more than 64 levels deep"});
  std::string long_id = R"({ "format": 1, "id": ")" + std::string(50000, 'a') + R"(-", "version": "1", "title": "t",
    "description": "d", "steps": [ { "id": "end", "kind": "end", "to": "both", "message": "m" } ] })";
  CHECK(errors_of(long_id) ==
        std::vector<std::string>{"dialogs/test.json:1:22: flow id \"" + std::string(50000, 'a') +
                                 "-\" must use lowercase letters, digits and single hyphens"});
  CHECK(errors_of(flow_with(R"(    { "id": "check", "kind": "branch", "rules": [ { "if": { "var": "", "has": "walk" }, "goto": "end" } ] },
    { "id": "end", "kind": "end", "to": "both", "message": "m" })")) ==
        std::vector<std::string>{"dialogs/test.json:4:68: step \"check\": rule 1: \"var\" must be the name of a captured value"});
}
