// The dialogue engine: a pure, pull-style step function over an immutable Flow.
//   apply(flow, state, event) → new state + what to show, as message ids with arguments.
// No I/O, no ICU, no SQLite, no HTTP. Consent invariants 1 and 2 (pause and stop by either partner
// at any step) are enforced here for every flow.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/event.h"
#include "engine/session_state.h"
#include "flow/flow.h"

namespace tandem {

// Catalog name for the engine's own messages (pause, resume, stop); flows use their flow id.
inline constexpr const char* kUiCatalog = "ui";

struct MessageRef {
  std::string catalog;  // flow id or "ui"
  std::string key;
  Args args;
  // "feel-prefer-try:welcome"
  std::string id() const { return catalog + ":" + key; }
  bool operator==(const MessageRef&) const = default;
};

enum class EntryKind { Guide, Input, Event };

// One line of the conversation as the engine produced it. Rendering happens elsewhere.
struct Entry {
  EntryKind kind = EntryKind::Guide;
  std::uint64_t seq = 0;                // the event that produced it
  std::string step;                     // step id
  Audience to = Audience::Both;         // Guide: resolved to A, B or Both
  std::optional<Partner> by;            // Input, Event
  std::optional<MessageRef> message;    // Guide and Event always; Input for choices
  std::optional<Value> value;           // Input
  std::string event;                    // Event: "pause", "ready", "resume", "stop"
};

struct Outcome {
  SessionState state;
  std::vector<Entry> entries;
};

// Applies one event. Errors (wrong partner, wrong state, invalid value) leave nothing changed.
// A Start event must come first; it runs the flow up to the first question.
Result<Outcome> apply(const Flow& flow, const SessionState& state, const Event& event);

// What is being asked right now.
struct InputSpec {
  InputType type = InputType::Text;
  MessageRef prompt;
  std::vector<std::pair<std::string, MessageRef>> options;  // choice: value, label
  int min = 0, max = 10;                                     // scale
  std::optional<MessageRef> low, high;                       // scale anchors
};

struct Awaited {
  Partner partner;
  std::string step;
  InputSpec input;
};

// Partners who must answer now (empty while paused or ended), in a/b order.
std::vector<Awaited> awaiting(const Flow& flow, const SessionState& state);

// Replays a whole log from an empty state; fails if any event does not apply.
Result<Outcome> replay(const Flow& flow, const std::vector<Event>& events);

}  // namespace tandem
