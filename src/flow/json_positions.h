// Maps JSON pointers to line:column in a JSON text, so messages about a flow can say where.
// nlohmann::json 3.11 does not keep positions, so this scans the (already validated) text once.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace tandem {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, counted in characters (Unicode code points)
};

class JsonPositions {
 public:
  // `text` must be JSON that nlohmann accepted (comments allowed).
  explicit JsonPositions(std::string_view text);

  // Position of the value at `pointer` (RFC 6901), or of its closest existing ancestor.
  TextPosition at(const std::string& pointer) const;

  // Line and column of a byte offset.
  static TextPosition of_offset(std::string_view text, std::size_t offset);

 private:
  std::map<std::string, TextPosition> positions_;
};

// Escapes one reference token for a JSON pointer ("~" → "~0", "/" → "~1").
std::string pointer_token(std::string_view key);

}  // namespace tandem
