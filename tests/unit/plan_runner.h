// Golden plan files (tests/flows/*.plan): feed inputs to a flow and state, line by line, what the
// engine must say. The format is documented in docs/flow-format.md ("Plan files").
#pragma once

#include <string>

#include "flow/flow.h"

namespace tandem::testing {

struct PlanResult {
  bool passed = false;
  std::string report;  // on failure: where, expected and actual
};

// Runs `plan_text` against `flow`. With `round_trip`, the state is serialized and reloaded after
// every event, so the plan also proves the state survives a restart at any step.
PlanResult run_plan(const FlowSet& flows, const std::string& plan_text, const std::string& plan_name, bool round_trip);

}  // namespace tandem::testing
