// json_text must write exactly what nlohmann's dump(-1, ' ', false, replace) writes: every
// response body and live event goes through it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "http/json_text.h"

using nlohmann::json;
using tandem::json_text;

namespace {

std::string nlohmann_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// Random bytes weighted towards what is hard: escapes, control characters, every UTF-8 length,
// and now and then a byte that breaks a sequence.
std::string random_string(std::mt19937& rng) {
  static const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'),
                                       "\x01", "\x1f", "\x7f", "é", "ß", "ü", "अ", "中", "한", "ع", "😊", "\xF0\x9F\x91\xA9\xE2\x80\x8D"};
  static const std::string broken[] = {"\x80", "\xC0\xAF", "\xC3", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                       "\xF8", "\xFF", "\xE2\x82", "\xF0\x9F\x98"};
  std::string s;
  int length = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < length; ++i) {
    if (std::uniform_int_distribution<int>(0, 40)(rng) == 0) {
      s += broken[std::uniform_int_distribution<std::size_t>(0, std::size(broken) - 1)(rng)];
    } else {
      s += pieces[std::uniform_int_distribution<std::size_t>(0, std::size(pieces) - 1)(rng)];
    }
  }
  return s;
}

json random_value(std::mt19937& rng, int depth) {
  int kind = std::uniform_int_distribution<int>(0, depth > 3 ? 5 : 7)(rng);
  switch (kind) {
    case 0: return nullptr;
    case 1: return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2: return std::uniform_int_distribution<std::int64_t>(std::numeric_limits<std::int64_t>::min(),
                                                              std::numeric_limits<std::int64_t>::max())(rng);
    case 3: return std::uniform_int_distribution<std::uint64_t>()(rng);
    case 4: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    case 5: return random_string(rng);
    case 6: {
      json array = json::array();
      for (int n = std::uniform_int_distribution<int>(0, 4)(rng); n > 0; --n) array.push_back(random_value(rng, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      for (int n = std::uniform_int_distribution<int>(0, 4)(rng); n > 0; --n) object[random_string(rng)] = random_value(rng, depth + 1);
      return object;
    }
  }
}

}  // namespace

TEST_CASE("json_text writes what nlohmann's dump writes: escapes, UTF-8, numbers, nesting", "[http]") {
  const json cases[] = {
      nullptr, true, false, 0, -1, 42u, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(),
      0.5, -0.0, 1e300, 3.0, "", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", std::string("nul\0byte", 8),
      "\x01\x1f\x7f", "tú y yo, 中文, हिंदी, العربية, 😊", "\xC3", "a\xFF" "b", "\xED\xA0\x80", "\xE0\x80\x80", "\xF4\x90\x80\x80",
      "\xF0\x9F\x98", json::array(), json::object(), json::array({1, "two", nullptr, json::object({{"k", "v"}})}),
      json::object({{"b", 1}, {"a", json::array({true, false})}, {"é\n", "x"}, {"", nullptr}}),
      json::binary({1, 2, 3}),
  };
  for (const json& value : cases) {
    INFO(nlohmann_text(value));
    CHECK(json_text(value) == nlohmann_text(value));
  }
  std::mt19937 rng(20261122);
  for (int i = 0; i < 20000; ++i) {
    json value = random_value(rng, 0);
    std::string expected = nlohmann_text(value);
    std::string written = json_text(value);
    if (written != expected) {
      INFO("value " << i << ": " << expected);
      CHECK(written == expected);
      break;
    }
  }
}
