// A flow as a Graphviz DOT graph (`tandem graph FLOW`), so a therapist can see its shape:
// boxes for steps, diamonds for branches, double borders for ends, dashed edges for the ways the
// engine leaves a step on its own (a low comfort check, a declined check-in).
#pragma once

#include <string>

#include "flow/flow.h"

namespace tandem {

std::string to_dot(const Flow& flow);

}  // namespace tandem
