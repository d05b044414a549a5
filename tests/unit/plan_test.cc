// Runs every golden plan in tests/flows/ against the shipped flow it names, directly and in
// round-trip mode (state serialized and reloaded after every event).
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "plan_runner.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {
std::string flow_of(const std::string& plan) {
  std::istringstream lines(plan);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("flow ", 0) == 0) return line.substr(5);
  return "";
}
}  // namespace

TEST_CASE("every shipped flow has golden plans, and every plan passes", "[plan]") {
  bool round_trip = GENERATE(false, true);
  std::filesystem::path dir = std::filesystem::path(TANDEM_SOURCE_DIR) / "tests/flows";
  std::map<std::string, int> plans_per_flow;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".plan") continue;
    std::string text = read_text(entry.path().string());
    std::string flow_id = flow_of(text);
    INFO(entry.path().filename().string());
    REQUIRE_FALSE(flow_id.empty());
    auto result = run_plan(shipped_flow_set(flow_id), text, entry.path().filename().string(), round_trip);
    INFO(result.report);
    CHECK(result.passed);
    plans_per_flow[flow_id]++;
  }
  for (const FlowPtr& flow : shipped().flows.all()) {
    INFO("flow " << flow->id << " has no plan in tests/flows/");
    CHECK(plans_per_flow[flow->id] > 0);
  }
}

TEST_CASE("a plan that expects the wrong message fails and says where", "[plan]") {
  const char* plan = "flow feel-prefer-try\npartners Ana:en Ben:en\n< both welcome\n< both good_time.prompt\n";
  auto result = run_plan(shipped_flow_set("feel-prefer-try"), plan, "wrong.plan", false);
  CHECK_FALSE(result.passed);
  CHECK(result.report ==
        "wrong.plan:4: output differs\n"
        "  expected:\n    < both welcome\n    < both good_time.prompt\n"
        "  actual:\n    < both welcome\n    < both not_therapy\n    < both good_time.prompt\n\n");
}
