#include <catch2/catch.hpp>

#include "i18n/catalog.h"
#include "i18n/formats.h"
#include "i18n/locales.h"
#include "i18n/text.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

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
        "That's a little long. Please keep it to 1 character or fewer.");
  CHECK(c.render("en", "ui", "error.text-too-long", {{"max", std::int64_t{2000}}}) ==
        "That's a little long. Please keep it to 2,000 characters or fewer.");
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

TEST_CASE("a broken catalog is refused when it is loaded, with the key", "[i18n]") {
  Catalogs c;
  auto bad = c.add_arb(R"({"@@locale": "en", "ok": "fine", "broken": "Hello {name"})", "ui", "locales/en/ui.arb");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "locales/en/ui.arb: \"broken\" is not valid ICU MessageFormat (U_UNMATCHED_BRACES at offset 0)");
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
