#include <catch2/catch.hpp>

#include "i18n/catalog.h"
#include "i18n/formats.h"
#include "i18n/locales.h"
#include "i18n/text.h"

#include <unicode/unistr.h>
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {
// Length in UTF-16 code units, as a layout would see it roughly.
int icu_length(const std::string& s) { return icu::UnicodeString::fromUTF8(s).length(); }
}  // namespace

TEST_CASE("messages render with named arguments in each partner's language", "[i18n]") {
  const Catalogs& c = shipped().catalogs;
  Args args{{"speaker", "Ana"}, {"feeling", "sola"}, {"situation", "miramos el móvil en la cena"}};
  CHECK(c.render("en", "feel-prefer-try", "statement", args) == "Ana: “I feel sola when miramos el móvil en la cena.”");
  CHECK(c.render("es", "feel-prefer-try", "statement", args).find("Ana") != std::string::npos);
  CHECK(c.render("es", "feel-prefer-try", "statement", args) != c.render("en", "feel-prefer-try", "statement", args));
}

TEST_CASE("plural arguments follow the language's rules", "[i18n]") {
  const Catalogs& c = shipped().catalogs;
  CHECK(c.render("en", "ui", "error.text-too-long", {{"max", std::int64_t{1}}}) ==
        "That’s a little long. Please keep it to 1 character or fewer.");
  CHECK(c.render("en", "ui", "error.text-too-long", {{"max", std::int64_t{2000}}}) ==
        "That’s a little long. Please keep it to 2,000 characters or fewer.");
}

TEST_CASE("a missing locale or key falls back to English, never to a raw key", "[i18n]") {
  Catalogs c;
  REQUIRE(c.add_arb(R"({"@@locale": "en", "hi": "Hello, {name}", "only_en": "Only English"})", "ui", "en.arb").ok());
  REQUIRE(c.add_arb(R"({"@@locale": "es", "hi": "Hola, {name}"})", "ui", "es.arb").ok());
  CHECK(c.render("es-MX", "ui", "hi", {{"name", "Ana"}}) == "Hola, Ana");
  CHECK(c.render("es", "ui", "only_en", {}) == "Only English");
  CHECK(c.render("fr", "ui", "hi", {{"name", "Ana"}}) == "Hello, Ana");
  CHECK(c.render("es", "ui", "nowhere", {}) == "");
  CHECK(Catalogs::locale_chain("pt-BR") == std::vector<std::string>{"pt-BR", "pt", "en"});
}

TEST_CASE("a file that is not a catalog is refused when it is loaded", "[i18n]") {
  Catalogs c;
  CHECK(c.add_arb(R"({"hello": "x"})", "ui", "x.arb").error().message ==
        "x.arb: a catalog must be a JSON object with \"@@locale\"");
  CHECK(Catalogs::argument_names("{a} and {n, plural, one {# x} other {# {b}}}") == std::set<std::string>{"a", "b", "n"});
}

TEST_CASE("locales are negotiated with ICU's LocaleMatcher", "[i18n]") {
  LocaleNegotiator n({"en", "es"});
  CHECK(n.from_accept_language("es-MX,es;q=0.9,en;q=0.5") == "es");
  CHECK(n.from_accept_language("de-DE,es;q=0.5") == "es");
  CHECK(n.from_accept_language("fr-FR") == "en");
  CHECK(n.from_accept_language("*") == "en");
  CHECK(n.from_accept_language("") == "en");
  CHECK(n.from_accept_language(";;;==garbage\x01") == "en");
  CHECK(n.from_tag("es-419") == "es");
  CHECK(n.from_tag("en-GB") == "en");
  CHECK(n.from_tag("not a tag") == "en");
  CHECK(LocaleNegotiator::direction("ar") == "rtl");
  CHECK(LocaleNegotiator::direction("es") == "ltr");
}

TEST_CASE("typed text is validated, normalized, trimmed and counted in graphemes", "[i18n]") {
  CHECK(clean_user_text("  hola\r\n  ", 10).value() == "hola");
  CHECK(clean_user_text("e\xcc\x81", 10).value() == "\xc3\xa9");  // NFC: e + combining acute → é
  CHECK(clean_user_text("a\x07" "b", 10).value() == "ab");
  CHECK(clean_user_text("\xff\xfe", 10).error().code == "invalid-utf8");
  CHECK(clean_user_text("\xed\xa0\x80", 10).error().code == "invalid-utf8");  // a UTF-16 surrogate
  CHECK(clean_user_text(" \t\n ", 10).error().code == "text-empty");
  auto long_text = clean_user_text("abcdef", 5);
  CHECK(long_text.error().code == "text-too-long");
  CHECK(long_text.error().args.at("max") == Value{std::int64_t{5}});
  // A family emoji is one grapheme cluster made of seven code points.
  CHECK(grapheme_count("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7") == 1);
  CHECK(clean_user_text("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", 1).ok());
}

TEST_CASE("dates are formatted for the reader's locale", "[i18n]") {
  std::int64_t ms = 1'795'000'000'000;  // November 2026
  CHECK(format_date_time(ms, "en").find("2026") != std::string::npos);
  CHECK(format_date_time(ms, "es").find("noviembre") != std::string::npos);
}

TEST_CASE("the fallback chain keeps to the same script", "[i18n]") {
  CHECK(Catalogs::locale_chain("zh-Hans") == std::vector<std::string>{"zh-Hans", "zh", "en"});
  CHECK(Catalogs::locale_chain("zh-TW") == std::vector<std::string>{"zh-TW", "zh-Hant", "en"});  // never zh (Simplified)
  CHECK(Catalogs::locale_chain("sr-Latn") == std::vector<std::string>{"sr-Latn", "en"});         // never sr (Cyrillic)
  CHECK(Catalogs::locale_chain("en") == std::vector<std::string>{"en"});
}

TEST_CASE("negotiation across the ten shipped languages", "[i18n]") {
  const LocaleNegotiator& n = shipped_locales();
  CHECK(n.supported().size() == 10);
  CHECK(n.from_tag("pt-PT") == "pt-BR");
  CHECK(n.from_tag("pt") == "pt-BR");
  CHECK(n.from_tag("zh-CN") == "zh-Hans");
  CHECK(n.from_tag("zh-TW") == "en");   // Traditional is not offered; Simplified would be the wrong script
  CHECK(n.from_tag("zh-Hant") == "en");
  CHECK(n.from_tag("sr-Latn") == "en");
  CHECK(n.from_tag("uk") == "en");      // Ukrainian readers are not given Russian
  CHECK(n.from_tag("ar-EG") == "ar");
  CHECK(n.from_tag("ja-JP") == "ja");
  CHECK(n.from_accept_language("uk,es;q=0.8") == "es");
  CHECK(n.from_accept_language("fr-CA;q=0.2, de-AT;q=0.9") == "de");
  CHECK(n.from_accept_language("ru;q=0, hi") == "hi");
  CHECK(n.from_accept_language("*, ja;q=0.5") == "ja");
  CHECK(n.from_accept_language("x-klingon, ;;;, en-US;q=abc, pt-BR;q=0.1") == "pt-BR");
  CHECK(n.from_accept_language(std::string(2000, 'a')) == "en");
}

TEST_CASE("plural and select follow each language's CLDR rules", "[i18n]") {
  Catalogs c;
  REQUIRE(c.add_arb(R"({ "@@locale": "ru", "left": "{n, plural, one {# шаг} few {# шага} many {# шагов} other {# шага}}" })", "t", "ru.arb").ok());
  REQUIRE(c.add_arb(R"({ "@@locale": "ar", "left": "{n, plural, zero {لا خطوات} one {خطوة واحدة} two {خطوتان} few {# خطوات} many {# خطوة} other {# خطوة}}" })", "t", "ar.arb").ok());
  // Polish-like rules (one, few, many) for a language Tandem does not ship yet.
  REQUIRE(c.add_arb(R"({ "@@locale": "pl", "left": "{n, plural, one {# krok} few {# kroki} many {# kroków} other {# kroku}} {who, select, a {dla A} other {dla B}}" })", "t", "pl.arb").ok());
  auto n = [](std::int64_t v) { return Args{{"n", v}, {"who", "a"}}; };
  CHECK(c.render("ru", "t", "left", n(1)) == "1 шаг");
  CHECK(c.render("ru", "t", "left", n(3)) == "3 шага");
  CHECK(c.render("ru", "t", "left", n(5)) == "5 шагов");
  CHECK(c.render("ru", "t", "left", n(21)) == "21 шаг");
  CHECK(c.render("ar", "t", "left", n(0)) == "لا خطوات");
  CHECK(c.render("ar", "t", "left", n(2)) == "خطوتان");
  CHECK(c.render("ar", "t", "left", n(3)) == "٣ خطوات");
  CHECK(c.render("ar", "t", "left", n(11)) == "١١ خطوة");
  CHECK(c.render("pl", "t", "left", n(2)) == "2 kroki dla A");
  CHECK(c.render("pl", "t", "left", n(5)) == "5 kroków dla A");
  CHECK(c.render("pl", "t", "left", Args{{"n", std::int64_t{22}}, {"who", "b"}}) == "22 kroki dla B");
}

TEST_CASE("pseudo-locales change only literal text", "[i18n]") {
  Catalogs c;
  REQUIRE(c.add_arb(R"({ "@@locale": "en", "hi": "Hello {name}, {n, plural, one {# step} other {# steps}} left" })", "t", "en.arb").ok());
  c.add_pseudo_locales();
  Args args{{"name", "Ana"}, {"n", std::int64_t{2}}};
  std::string english = c.render("en", "t", "hi", args);
  std::string accented = c.render("en-XA", "t", "hi", args);
  CHECK(english == "Hello Ana, 2 steps left");
  CHECK(accented.find("Ana") != std::string::npos);  // arguments are untouched
  CHECK(accented.find("2") != std::string::npos);
  CHECK(accented.find("Hé") != std::string::npos);
  CHECK(icu_length(accented) >= icu_length(english) * 13 / 10);
  std::string rtl = c.render("ar-XB", "t", "hi", args);
  CHECK(rtl.find("\u202E") != std::string::npos);
  CHECK(rtl.find("Ana") != std::string::npos);
  CHECK(LocaleNegotiator::direction("ar-XB") == "rtl");
  CHECK(LocaleNegotiator::direction("en-XA") == "ltr");
}

TEST_CASE("names and typed text in the other direction are isolated inside a sentence", "[i18n]") {
  Catalogs c;
  REQUIRE(c.add_arb(R"({ "@@locale": "ar", "hi": "مرحبًا {name}" })", "t", "ar.arb").ok());
  REQUIRE(c.add_arb(R"({ "@@locale": "en", "hi": "Hello {name}" })", "t", "en.arb").ok());
  CHECK(c.render("ar", "t", "hi", {{"name", "Ana"}}) == "مرحبًا \u2068Ana\u2069");
  CHECK(c.render("ar", "t", "hi", {{"name", "سارة"}}) == "مرحبًا سارة");
  CHECK(c.render("en", "t", "hi", {{"name", "Ana"}}) == "Hello Ana");
  CHECK(c.render("en", "t", "hi", {{"name", "سارة"}}) == "Hello \u2068سارة\u2069");
  CHECK(text_direction("سارة") == "rtl");
  CHECK(text_direction("Ana") == "ltr");
  CHECK(text_direction("123 🙂") == "");
}

TEST_CASE("dates follow the reader's time zone, and relative times their language", "[i18n]") {
  std::int64_t ms = 1'795'000'000'000;  // 2026-11-18 11:06:40 UTC: 20:06 in Tokyo, 06:06 in New York
  CHECK(is_time_zone("Asia/Tokyo"));
  CHECK_FALSE(is_time_zone("Mars/Olympus"));
  CHECK_FALSE(is_time_zone(""));
  CHECK(format_date_time(ms, "en", "Asia/Tokyo") != format_date_time(ms, "en", "America/New_York"));
  CHECK(format_date_time(ms, "en", "Asia/Tokyo").find("8:06") != std::string::npos);
  CHECK(format_date_time(ms, "en", "America/New_York").find("6:06") != std::string::npos);
  std::int64_t now = ms + 5 * 60 * 1000;
  CHECK(format_relative(ms, now, "en") == "5 minutes ago");
  CHECK(format_relative(ms, now, "es") == "hace 5 minutos");
  CHECK(format_relative(ms, ms + 2 * 86400 * 1000, "de") == "vorgestern");  // German has a word for it
  CHECK(format_relative(ms, ms + 3 * 86400 * 1000, "de") == "vor 3 Tagen");
}

TEST_CASE("a broken message is left out with a clear problem; the rest of its catalog loads", "[i18n]") {
  Catalogs c;
  REQUIRE(c.add_arb(R"({ "@@locale": "en", "ok": "Fine", "broken": "Hello {name", "also": "Also fine" })", "ui", "en/ui.arb").ok());
  CHECK(c.render("en", "ui", "ok", {}) == "Fine");
  CHECK(c.render("en", "ui", "also", {}) == "Also fine");
  CHECK(c.pattern("en", "ui", "broken") == nullptr);
  CHECK(c.problems() == std::vector<std::string>{"en/ui.arb: \"broken\" is not valid ICU MessageFormat (U_UNMATCHED_BRACES at offset 0)"});
  CHECK(*c.keys_in_order("en", "ui") == std::vector<std::string>{"ok", "also"});
}
