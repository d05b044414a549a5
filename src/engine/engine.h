// The dialogue engine: a pure, pull-style step function over immutable flows.
//   apply(flows, state, event) → new state + what to show, as message ids with arguments.
// No I/O, no ICU, no SQLite, no HTTP. The consent invariants of DESIGN.md are enforced here,
// for every flow: pause and stop at any step (1, 2), a soft no is never asked again (3), a
// tentative yes is checked in on before a step that escalates (4), private answers are addressed
// only to their author until a reveal rule shows what both marked yes (5), and a comfort check
// below the threshold goes to the flow's grounding or step back (6).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/event.h"
#include "engine/session_state.h"
#include "flow/flow.h"

namespace tandem {

// Catalog name for the engine's own messages (pause, check-ins, built-in answers); flows use
// their flow id.
inline constexpr const char* kUiCatalog = "ui";

struct MessageRef {
  std::string catalog;  // flow id or "ui"
  std::string key;
  Args args;            // a List argument holds message keys of the same catalog, shown as a list
  // "feel-prefer-try:welcome"
  std::string id() const { return catalog + ":" + key; }
  bool operator==(const MessageRef&) const = default;
};

enum class EntryKind { Guide, Input, Event };

// One line of the conversation as the engine produced it. Rendering happens elsewhere.
struct Entry {
  EntryKind kind = EntryKind::Guide;
  std::uint64_t seq = 0;                // the event that produced it
  std::string step;                     // step id ("flow/step" inside a called flow)
  Audience to = Audience::Both;         // Guide: resolved to A, B or Both
  std::optional<Partner> by;            // Input, Event
  std::optional<Partner> only;          // private: nobody else may ever see this entry
  std::optional<MessageRef> message;    // Guide and Event always; Input for choices
  std::optional<Value> value;           // Input
  std::string catalog;                  // Input of a list: where `labels` are message keys
  List labels;                          // Input of a list: the chosen options' labels, or the
                                        // private list's items (one per answer in `value`)
  std::string event;                    // Event: "pause", "ready", "resume", "stop"

  bool visible_to(Partner p) const { return !only || *only == p; }
};

struct Outcome {
  SessionState state;
  std::vector<Entry> entries;
  std::optional<Args> agreement;  // set when the event wrote a new agreement version (all fields)
};

// A FlowPtr to a flow the caller keeps alive (no copy, no ownership).
inline FlowPtr borrow(const Flow& flow) { return FlowPtr(&flow, [](const Flow*) {}); }

// Applies one event. Errors (wrong partner, wrong state, invalid value) leave nothing changed.
// A Start event must come first; it runs the flow up to the first question.
Result<Outcome> apply(const FlowSet& flows, const SessionState& state, const Event& event);
inline Result<Outcome> apply(const Flow& flow, const SessionState& state, const Event& event) {
  return apply(FlowSet::single(borrow(flow)), state, event);
}

// What is being asked right now.
struct InputSpec {
  InputType type = InputType::Text;
  MessageRef prompt;
  std::vector<std::pair<std::string, MessageRef>> options;  // choice, multi, yes/maybe/no, confirm
  int min = 0, max = 10;                                     // scale; multi: how many (max 0: any)
  std::optional<MessageRef> low, high;                       // scale anchors
  std::vector<MessageRef> items;                             // a private yes/maybe/no list
  int seconds = 0;                                           // a timer
  Pacing pacing;
  bool is_private = false;                                   // only the answering partner sees it
};

struct Awaited {
  Partner partner;
  std::string step;
  InputSpec input;
};

// Partners who must answer now (empty while paused or ended), in a/b order.
std::vector<Awaited> awaiting(const FlowSet& flows, const SessionState& state);
inline std::vector<Awaited> awaiting(const Flow& flow, const SessionState& state) {
  return awaiting(FlowSet::single(borrow(flow)), state);
}

// The id of the current step as entries and inputs name it ("flow/step" inside a called flow).
std::string current_step_id(const FlowSet& flows, const SessionState& state);

// Replays a whole log from an empty state; fails if any event does not apply.
Result<Outcome> replay(const FlowSet& flows, const std::vector<Event>& events);
inline Result<Outcome> replay(const Flow& flow, const std::vector<Event>& events) {
  return replay(FlowSet::single(borrow(flow)), events);
}

}  // namespace tandem
