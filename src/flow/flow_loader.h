// JSON → Flow. Every problem is reported with file:line:column and a JSON pointer, and the
// loader keeps going after the first so a therapist sees everything at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flow/flow.h"

namespace tandem {

struct Diagnostic {
  std::string path;
  int line = 0;
  int column = 0;
  std::string pointer;
  std::string message;

  // "dialogs/repair.json:14:9: step "own-it": unknown target "aplogy""
  std::string to_string() const;
};

struct FlowLoad {
  FlowPtr flow;                   // null when there are errors
  std::vector<Diagnostic> errors;
};

// Parses and validates one flow file. `path` is only used in messages.
FlowLoad load_flow(std::string_view text, const std::string& path);

}  // namespace tandem
