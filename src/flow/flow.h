// The immutable Flow model: a scripted conversation as data. Loaded from JSON by flow_loader.h
// (format documented in docs/flow-format.md); the engine walks it and knows nothing about any
// particular conversation.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "flow/condition.h"

namespace tandem {

inline constexpr int kFlowFormat = 1;
inline constexpr int kDefaultComfortThreshold = 4;

enum class StepKind { Say, Ask, Reflect, Private, Swap, Timer, Branch, Agreement, Call, End };

// Who a step addresses or asks. speaker/listener resolve against the session's current roles.
enum class Audience { A, B, Both, Speaker, Listener };

// What an ask step takes. yes_maybe_no and confirm have built-in, localized options.
enum class InputType { Text, Choice, Multi, Scale, Feeling, YesMaybeNo, Confirm };

struct Option {
  std::string value;
  std::string label;    // message key
  std::string consent;  // "", "yes", "tentative" or "soft_no"
};

// The prompts of a reflective-listening loop (all message keys in the flow's catalog).
struct ReflectPrompts {
  std::string mirror;   // to the listener: restate what you heard
  std::string check;    // to the speaker: did they get it? is there more?
  std::string got_it;   // option label
  std::string more;     // option label
  std::string clarify;  // to the speaker: say it again / say more
  std::string again;    // to the listener: restate once more
  std::string enough;   // to both, when max_rounds is reached
};

// What a private step reveals once both partners have answered.
struct RevealMessages {
  std::string shared;  // the items both marked yes ({items})
  std::string none;    // when no item was marked yes by both
  std::string maybes;  // the items to talk about gently ({items}); a "no" is never among them
};

// Breathing rhythm of a timed step, in milliseconds per phase.
struct Pacing {
  std::string name = "none";  // none, box, 4-7-8, resonance
  int in_ms = 0, hold_ms = 0, out_ms = 0, rest_ms = 0;
  int max_cycles = 0;          // 0: as many as fit
};

struct Rule {
  Condition when;
  std::string target;
  std::size_t target_index = 0;
};

// A value a therapist can set when assigning the flow (e.g. how long a timer runs).
struct Param {
  std::string name;
  bool number = false;
  Value fallback;  // used when the assignment does not set it
};

inline constexpr std::size_t kNoStep = static_cast<std::size_t>(-1);

struct Step {
  std::string id;
  StepKind kind = StepKind::Say;
  Audience to = Audience::Both;
  std::string message;             // say, swap, timer, agreement, end
  std::vector<std::string> args;   // argument names passed to every message of the step

  // ask
  InputType input = InputType::Text;
  std::string prompt;
  std::string capture;             // variable that receives the answer
  std::vector<Option> options;     // choice, multi
  int min = 0, max = 10;           // scale; multi: how many may be chosen (max 0: any)
  std::string low, high;           // scale anchor labels
  bool comfort = false;            // a comfort check: below the threshold goes to when_low
  std::string when_low;
  std::size_t when_low_index = kNoStep;
  std::string proposal;            // variable holding what is proposed (consent options)
  std::string label;               // confirm: the button's label (default: a built-in one)

  // reflect
  ReflectPrompts reflect;
  int max_rounds = 3;

  // private
  std::vector<std::string> items;  // message keys
  RevealMessages reveal;

  // timer
  int seconds = 0;
  Pacing pacing;

  // agreement
  bool write = false;                                 // "read" or "write"
  std::vector<std::pair<std::string, std::string>> fields;  // write: field ← variable; each field
                                                            // needs a label message "field.<name>"

  // call
  std::string flow;

  // branch
  std::vector<Rule> rules;

  // Any step but branch and end may escalate (move closer physically or emotionally). Before it,
  // a partner who gave a tentative yes is checked in with; "not now" goes to `decline`.
  bool escalates = false;
  std::string decline;
  std::size_t decline_index = kNoStep;

  // Where to go when the step is done: "next" in the file, else the following step;
  // for a branch, "else". kNoStep for end steps.
  std::string next_id;
  std::size_t next = kNoStep;

  // Where the step is defined, for messages: JSON pointer and line:column in the source.
  std::string pointer;
  int line = 0, column = 0;
};

struct Flow {
  int format = kFlowFormat;
  std::string id;
  std::string version;
  std::string title;        // message key
  std::string description;  // message key
  int minutes = 0;
  int comfort_threshold = kDefaultComfortThreshold;
  std::vector<Param> params;
  std::vector<Step> steps;
  std::map<std::string, std::size_t> step_index;
  std::map<std::string, std::size_t> captured_by;  // variable → step that captures it

  std::string path;    // where it was loaded from (for messages)
  std::string source;  // the exact JSON text, so a session can pin it
  std::string hash;    // content_hash(source)

  const Step* find(const std::string& step_id) const;
  // Every message key the flow refers to, in order of first use.
  std::vector<std::string> message_keys() const;
  // Message keys one step refers to.
  static std::vector<std::string> message_keys(const Step& step);
  // Ids of the flows this one calls.
  std::vector<std::string> calls() const;
  // Number of swap steps + 1: how many speaker turns a full walk has.
  int rounds() const;
};

using FlowPtr = std::shared_ptr<const Flow>;

// A root flow and every flow it may call, as one session pins them.
struct FlowSet {
  FlowPtr root;
  std::map<std::string, FlowPtr> flows;  // by id, including root

  static FlowSet single(FlowPtr flow);
  const Flow& get(const std::string& id) const;  // root for ""
};

std::string_view to_string(StepKind kind);
std::string_view to_string(Audience audience);
std::string_view to_string(InputType input);
const Pacing* find_pacing(const std::string& name);

}  // namespace tandem
