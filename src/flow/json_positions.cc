#include "flow/json_positions.h"

#include <vector>

namespace tandem {

namespace {
// Columns count characters, not bytes, so they match what an editor shows for any script.
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

TextPosition JsonPositions::of_offset(std::string_view text, std::size_t offset) {
  TextPosition p;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if (!is_continuation(text[i])) {
      ++p.column;
    }
  }
  return p;
}

namespace {

// A minimal recursive scanner over valid JSON with comments; records where each value starts.
class Scanner {
 public:
  Scanner(std::string_view text, std::map<std::string, TextPosition>& out) : text_(text), out_(out) {}

  void run() {
    skip_space();
    value("");
  }

 private:
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else if (!is_continuation(text_[pos_])) {
      ++column_;
    }
    ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_space() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        advance();
        advance();
        while (!at_end() && !(peek() == '*' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) advance();
        if (!at_end()) { advance(); advance(); }
      } else {
        return;
      }
    }
  }

  std::string string_literal() {
    std::string s;
    advance();  // opening quote
    while (!at_end() && peek() != '"') {
      if (peek() == '\\') {
        advance();
        char e = peek();
        switch (e) {
          case 'n': s += '\n'; break;
          case 't': s += '\t'; break;
          case 'r': s += '\r'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'u': s += "\\u"; break;  // keys with \u escapes are not used in flows
          default: s += e;
        }
        advance();
      } else {
        s += peek();
        advance();
      }
    }
    if (!at_end()) advance();  // closing quote
    return s;
  }

  void value(const std::string& pointer) {
    out_[pointer] = TextPosition{line_, column_};
    char c = peek();
    if (c == '{') {
      advance();
      skip_space();
      while (!at_end() && peek() != '}') {
        std::string key = string_literal();
        skip_space();
        if (peek() == ':') advance();
        skip_space();
        value(pointer + "/" + pointer_token(key));
        skip_space();
        if (peek() == ',') { advance(); skip_space(); }
      }
      if (!at_end()) advance();
    } else if (c == '[') {
      advance();
      skip_space();
      int index = 0;
      while (!at_end() && peek() != ']') {
        value(pointer + "/" + std::to_string(index++));
        skip_space();
        if (peek() == ',') { advance(); skip_space(); }
      }
      if (!at_end()) advance();
    } else if (c == '"') {
      string_literal();
    } else {
      while (!at_end()) {
        char d = peek();
        if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\t' || d == '\r' || d == '/') break;
        advance();
      }
    }
  }

  std::string_view text_;
  std::map<std::string, TextPosition>& out_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

JsonPositions::JsonPositions(std::string_view text) { Scanner(text, positions_).run(); }

TextPosition JsonPositions::at(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    auto it = positions_.find(p);
    if (it != positions_.end()) return it->second;
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return TextPosition{};
    p.resize(slash);
  }
}

}  // namespace tandem
