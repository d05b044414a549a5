// The immutable Flow model: a scripted conversation as data. Loaded from JSON by flow_loader.h;
// the engine walks it and knows nothing about any particular conversation.
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

enum class StepKind { Say, Ask, Reflect, Swap, Branch, End };

// Who a step addresses or asks. speaker/listener resolve against the session's current roles.
enum class Audience { A, B, Both, Speaker, Listener };

enum class InputType { Text, Choice, Scale };

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

struct Rule {
  Condition when;
  std::string target;
  std::size_t target_index = 0;
};

inline constexpr std::size_t kNoStep = static_cast<std::size_t>(-1);

struct Step {
  std::string id;
  StepKind kind = StepKind::Say;
  Audience to = Audience::Both;
  std::string message;             // say, swap, end
  std::vector<std::string> args;   // argument names passed to every message of the step

  // ask
  InputType input = InputType::Text;
  std::string prompt;
  std::string capture;             // variable that receives the answer
  std::vector<Option> options;     // choice
  int min = 0, max = 10;           // scale
  std::string low, high;           // scale anchor labels

  // reflect
  ReflectPrompts reflect;
  int max_rounds = 3;

  // branch
  std::vector<Rule> rules;

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
  std::vector<Step> steps;
  std::map<std::string, std::size_t> step_index;

  std::string path;    // where it was loaded from (for messages)
  std::string source;  // the exact JSON text, so a session can pin it
  std::string hash;    // content_hash(source)

  const Step* find(const std::string& step_id) const;
  // Every message key the flow refers to, in order of first use.
  std::vector<std::string> message_keys() const;
  // Number of swap steps + 1: how many speaker turns a full walk has.
  int rounds() const;
};

using FlowPtr = std::shared_ptr<const Flow>;

std::string_view to_string(StepKind kind);
std::string_view to_string(Audience audience);
std::string_view to_string(InputType input);

}  // namespace tandem
