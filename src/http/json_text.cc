#include "http/json_text.h"

#include <charconv>
#include <cstdint>

namespace tandem {
namespace {

using nlohmann::json;

// How long the valid UTF-8 sequence starting at s[i] is; 0 if it is not valid (overlong,
// a surrogate, past U+10FFFF, cut short). The same bytes as nlohmann's decoder accepts.
std::size_t utf8_length(const unsigned char* s, std::size_t n, std::size_t i) {
  const unsigned char c = s[i];
  auto continues = [&](std::size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (c < 0xC2) return 0;  // a continuation byte on its own, or an overlong two-byte lead
  if (c < 0xE0) return continues(1) ? 2 : 0;
  if (c < 0xF0) {
    if (!continues(1) || !continues(2)) return 0;
    if (c == 0xE0 && s[i + 1] < 0xA0) return 0;  // overlong
    if (c == 0xED && s[i + 1] > 0x9F) return 0;  // a surrogate
    return 3;
  }
  if (c < 0xF5) {
    if (!continues(1) || !continues(2) || !continues(3)) return 0;
    if (c == 0xF0 && s[i + 1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && s[i + 1] > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// A string, quoted and escaped: runs of bytes that need nothing are copied whole. A string that
// is not valid UTF-8 (never one the server accepted; the replacement is nlohmann's to define)
// is written by nlohmann itself.
void append_string(const std::string& s, std::string& out) {
  const std::size_t mark = out.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      std::size_t length = utf8_length(p, n, i);
      if (length == 0) {
        out.resize(mark);
        out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
        return;
      }
      i += length;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s, run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static const char hex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
    run = ++i;
  }
  out.append(s, run, n - run);
  out.push_back('"');
}

template <class Integer>
void append_integer(Integer v, std::string& out) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

}  // namespace

void append_json_text(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(key, out);
        out.push_back(':');
        append_json_text(member, out);
      }
      out.push_back('}');
      return;
    }
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const json& item : value.get_ref<const json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(item, out);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::string: append_string(value.get_ref<const std::string&>(), out); return;
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::null: out += "null"; return;
    case json::value_t::number_integer: append_integer(value.get<std::int64_t>(), out); return;
    case json::value_t::number_unsigned: append_integer(value.get<std::uint64_t>(), out); return;
    default:  // floats (nlohmann's shortest form), binary, discarded: rare, and nlohmann's own
      out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string json_text(const json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(value, out);
  return out;
}

}  // namespace tandem
