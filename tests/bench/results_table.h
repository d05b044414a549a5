// The table both benchmarks end with: one row a figure, its target and whether it is met.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace tandem::bench {

struct Row {
  std::string what;
  std::string figure;
  std::string target;  // empty: for information
  bool ok = true;
};

// "1.23 µs", "45.6 ms", "789 /s": three significant figures at most.
inline std::string format(double value, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, unit);
  return buf;
}

// Width in columns of UTF-8 text (µ, ≤, ≥ and ÷ are one column each).
inline std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

inline std::string pad(const std::string& s, std::size_t width) { return s + std::string(width - std::min(width, columns(s)), ' '); }

// Prints the table; true if every row with a target meets it.
inline bool print_rows(const std::vector<Row>& rows) {
  std::size_t w0 = columns("measure"), w1 = columns("figure"), w2 = columns("target");
  for (const Row& r : rows) {
    w0 = std::max(w0, columns(r.what));
    w1 = std::max(w1, columns(r.figure));
    w2 = std::max(w2, columns(r.target));
  }
  std::printf("\n%s  %s  %s  result\n", pad("measure", w0).c_str(), pad("figure", w1).c_str(), pad("target", w2).c_str());
  std::printf("%s\n", std::string(w0 + w1 + w2 + 12, '-').c_str());
  bool all_ok = true;
  for (const Row& r : rows) {
    const char* result = r.target.empty() ? "info" : r.ok ? "OK" : "OVER";
    all_ok = all_ok && r.ok;
    std::printf("%s  %s  %s  %s\n", pad(r.what, w0).c_str(), pad(r.figure, w1).c_str(),
                pad(r.target.empty() ? "-" : r.target, w2).c_str(), result);
  }
  return all_ok;
}

}  // namespace tandem::bench
