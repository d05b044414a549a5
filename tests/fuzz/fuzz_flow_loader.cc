// libFuzzer target: arbitrary bytes as a flow file. load_flow must never crash, hang or leak,
// whatever it is given, and a flow it accepts must be one the engine can walk safely (every
// step index it resolved is in range). Built only with -DTANDEM_FUZZ=ON (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "flow/flow.h"
#include "flow/flow_loader.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_flow_loader: invariant violated: %s\n", what);
  std::abort();
}

void check_index(const tandem::Flow& flow, std::size_t index, bool may_be_none, const char* what) {
  if (index == tandem::kNoStep ? !may_be_none : index >= flow.steps.size()) fail(what);
}

// A loaded flow is handed to the engine as it is, so the indices the loader resolved must be
// usable without further checks.
void check_flow(const tandem::Flow& flow) {
  using tandem::StepKind;
  if (flow.steps.empty()) fail("a loaded flow has no steps");
  if (flow.step_index.size() != flow.steps.size()) fail("step_index does not match steps");
  for (const auto& [id, index] : flow.step_index) {
    check_index(flow, index, false, "step_index out of range");
    if (flow.steps[index].id != id) fail("step_index names the wrong step");
  }
  for (const auto& [name, index] : flow.captured_by) check_index(flow, index, false, "captured_by out of range");
  for (const tandem::Step& step : flow.steps) {
    if (flow.find(step.id) != &step) fail("find() does not return the step");
    check_index(flow, step.next, step.kind == StepKind::End, "next out of range");
    if (step.when_low_index != tandem::kNoStep) check_index(flow, step.when_low_index, false, "when_low out of range");
    if (step.decline_index != tandem::kNoStep) check_index(flow, step.decline_index, false, "decline out of range");
    for (const tandem::Rule& rule : step.rules) check_index(flow, rule.target_index, false, "rule target out of range");
    (void)tandem::Flow::message_keys(step);
  }
  (void)flow.message_keys();
  (void)flow.calls();
  (void)flow.rounds();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tandem::FlowLoad load = tandem::load_flow(text, "dialogs/fuzz.json");
  if (load.flow) {
    if (!load.errors.empty()) fail("a flow was returned together with errors");
    if (load.flow->source != text) fail("the flow does not keep its exact source");
    check_flow(*load.flow);
  } else if (load.errors.empty()) {
    fail("no flow and no error");
  }
  for (const tandem::Diagnostic& d : load.errors) {
    if (d.message.empty()) fail("an error without a message");
    (void)d.to_string();
  }
  return 0;
}
