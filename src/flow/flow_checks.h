// Checks over a loaded flow's graph: steps nobody can reach, steps from which the flow can never
// end, and the consent rules a flow must keep by construction — a declined proposal never comes
// back, and nothing escalates without a comfort check on the way.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flow/flow.h"

namespace tandem {

// Reports each problem with the step's pointer; `report(step, pointer, message)`.
using GraphReport = std::function<void(const Step& step, const std::string& pointer, const std::string& message)>;

void check_graph(const Flow& flow, const GraphReport& report);

// Every step index a step can go to next, in any situation.
std::vector<std::size_t> successors(const Step& step);

}  // namespace tandem
