// `tandem lint` as a therapist runs it: every problem with file:line:column, exit 1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/ids.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {
void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}
}  // namespace

TEST_CASE("lint passes the shipped flows and catalogs", "[lint]") {
  std::ostringstream out, err;
  CHECK(run_command({"lint"}, out, err) == 0);
  std::size_t flows = 0, catalogs = 0;
  for (const auto& f : std::filesystem::directory_iterator(TANDEM_SOURCE_DIR "/dialogs"))
    flows += f.path().extension() == ".json" && !f.path().string().ends_with(".schema.json");
  for (const auto& f : std::filesystem::recursive_directory_iterator(TANDEM_SOURCE_DIR "/locales")) catalogs += f.path().extension() == ".arb";
  CHECK(out.str() == "No problems in " + std::to_string(flows) + (flows == 1 ? " flow" : " flows") + " and " +
                         std::to_string(catalogs) + " catalogs.\n");
}

TEST_CASE("lint reports flow, catalog and translation problems word for word", "[lint]") {
  TempDir dir;
  write(dir.path() + "/dialogs/hello.json", R"({
  "format": 1, "id": "hello", "version": "1", "title": "title", "description": "description",
  "steps": [
    { "id": "hi", "kind": "say", "to": "both", "message": "hi", "args": ["a"] },
    { "id": "ask", "kind": "ask", "to": "a", "input": "text", "prompt": "ask", "capture": "x" },
    { "id": "bye", "kind": "end", "to": "both", "message": "bye" }
  ]
})");
  write(dir.path() + "/dialogs/broken.json", "{ \"format\": 1,\n  \"id\": \"broken\" \"x\" }\n");
  write(dir.path() + "/locales/en/hello.arb",
        R"({ "@@locale": "en", "title": "Hello", "description": "Says hello", "hi": "Hi {a}", "ask": "How are you?", "bye": "Bye" })");
  // Stamped as translated from the English as it is (see the next test for what happens if not).
  write(dir.path() + "/locales/es/hello.arb",
        "{ \"@@locale\": \"es\", \"@@x-source-hashes\": { \"title\": \"" + content_hash("Hello") +
            "\", \"description\": \"" + content_hash("Says hello") + "\", \"hi\": \"" + content_hash("Hi {a}") +
            "\", \"bye\": \"" + content_hash("Bye") + "\" }, \"title\": \"Hola\", \"description\": \"Saluda\",\n" +
            "  \"hi\": \"Hola {b}\", \"bye\": \"Adiós\" }");
  write(dir.path() + "/locales/en/ui.arb", R"({ "@@locale": "en", "ui.ok": "OK" })");
  write(dir.path() + "/locales/es/ui.arb", R"({ "@@locale": "es" })");
  std::ostringstream out, err;
  CHECK(run_command({"lint", dir.path() + "/dialogs"}, out, err) == 1);
  const std::string d = dir.path();
  CHECK(out.str() ==
        d + "/locales/es/hello.arb:2:9: message \"hi\" uses {b} but English uses {a} [/hi]\n" +
        d + "/locales/es/ui.arb:1:1: locale \"es\" has no message \"ui.ok\"\n" +
        d + "/dialogs/broken.json:2:20: invalid JSON: syntax error while parsing object - unexpected string literal; expected '}'\n" +
        d + "/dialogs/hello.json:5:5: step \"ask\": message \"ask\" is missing in locale \"es\" [/steps/1]\n");
  CHECK(err.str() == "4 problems found.\n");
}

TEST_CASE("lint --format json gives editors the same problems with pointers", "[lint]") {
  TempDir dir;
  write(dir.path() + "/dialogs/x.json", R"({ "format": 1, "id": "x", "version": "1", "title": "t", "description": "d",
  "steps": [ { "id": "a", "kind": "say", "to": "both", "message": "m", "next": "nowhere" } ] })");
  write(dir.path() + "/locales/en/x.arb", R"({ "@@locale": "en", "t": "T", "d": "D", "m": "M" })");
  write(dir.path() + "/locales/en/ui.arb", R"({ "@@locale": "en" })");
  std::ostringstream out, err;
  CHECK(run_command({"lint", dir.path() + "/dialogs", "--format", "json"}, out, err) == 1);
  auto problems = nlohmann::json::parse(out.str());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == nlohmann::json{{"file", dir.path() + "/dialogs/x.json"},
                                      {"line", 2},
                                      {"column", 80},
                                      {"pointer", "/steps/0/next"},
                                      {"message", "step \"a\": unknown target \"nowhere\""}});
  std::ostringstream bad_out, bad_err;
  CHECK(run_command({"lint", "--format", "xml"}, bad_out, bad_err) == 2);
  CHECK(bad_err.str() == "tandem lint: --format must be text or json\n");
}

TEST_CASE("graph prints a flow as Graphviz DOT", "[lint]") {
  TempDir dir;
  write(dir.path() + "/tiny.json", R"({ "format": 1, "id": "tiny", "version": "1", "title": "t", "description": "d",
  "steps": [
    { "id": "check", "kind": "ask", "to": "both", "input": "scale", "prompt": "p", "capture": "c", "low": "l", "high": "h",
      "comfort": true, "when_low": "bye" },
    { "id": "route", "kind": "branch", "rules": [ { "if": { "var": "c_a", "ge": 8 }, "goto": "hug" } ], "else": "bye" },
    { "id": "hug", "kind": "say", "to": "both", "message": "m", "escalates": true, "decline": "bye" },
    { "id": "bye", "kind": "end", "to": "both", "message": "m" } ] })");
  std::ostringstream out, err;
  REQUIRE(run_command({"graph", dir.path() + "/tiny.json"}, out, err) == 0);
  CHECK(out.str() ==
        "digraph \"tiny\" {\n"
        "  rankdir=TB;\n"
        "  node [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=11];\n"
        "  edge [fontname=\"sans-serif\", fontsize=9];\n"
        "  \"check\" [label=\"check\\nask scale → both (comfort check)\"];\n"
        "  \"route\" [label=\"route\\nbranch\", shape=diamond, style=\"\"];\n"
        "  \"hug\" [label=\"hug\\nsay → both\", color=\"#b5651d\"];\n"
        "  \"bye\" [label=\"bye\\nend → both\", peripheries=2];\n"
        "  \"check\" -> \"route\";\n"
        "  \"check\" -> \"bye\" [label=\"comfort low\", style=dashed];\n"
        "  \"route\" -> \"hug\" [label=\"rule 1\"];\n"
        "  \"route\" -> \"bye\" [label=\"else\"];\n"
        "  \"hug\" -> \"bye\";\n"
        "  \"hug\" -> \"bye\" [label=\"check-in: not now\", style=dashed];\n"
        "}\n");
  std::ostringstream none_out, none_err;
  CHECK(run_command({"graph", "no-such-flow"}, none_out, none_err) == 1);
  CHECK(none_err.str() == "tandem graph: there is no flow \"no-such-flow\"\n");
}

TEST_CASE("every shipped flow's graph renders with Graphviz, when it is installed", "[lint]") {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    WARN("Graphviz (dot) is not installed; skipping the rendering check");
    return;
  }
  for (const FlowPtr& flow : shipped().flows.all()) {
    std::ostringstream out, err;
    REQUIRE(run_command({"graph", flow->id}, out, err) == 0);
    TempDir dir;
    write(dir.path() + "/g.dot", out.str());
    INFO(flow->id);
    CHECK(std::system(("dot -Tsvg " + dir.path() + "/g.dot -o " + dir.path() + "/g.svg 2>" + dir.path() + "/err").c_str()) == 0);
    CHECK(read_text(dir.path() + "/err").empty());
  }
}

TEST_CASE("lint checks every translation's plurals, argument kinds, apostrophes and source text", "[lint]") {
  TempDir dir;
  const std::string d = dir.path();
  write(d + "/dialogs/count.json", R"({ "format": 1, "id": "count", "version": "1", "title": "t", "description": "d",
  "steps": [ { "id": "end", "kind": "end", "to": "both", "message": "left" } ] })");
  write(d + "/locales/en/count.arb", R"({ "@@locale": "en", "t": "Count", "d": "Counts",
  "left": "{n, plural, one {# step} other {# steps}} left, {name}",
  "@left": { "description": "x", "placeholders": { "n": { "type": "int" } } } })");
  write(d + "/locales/en/ui.arb", R"({ "@@locale": "en" })");
  auto hashes = [](std::initializer_list<std::pair<const char*, const char*>> pairs) {
    std::string out = "\"@@x-source-hashes\": {";
    for (auto [key, english] : pairs) out += std::string(out.back() == '{' ? "" : ", ") + "\"" + key + "\": \"" + content_hash(english) + "\"";
    return out + "}, ";
  };
  // Russian needs one, few, many and other; this one has only one and other.
  write(d + "/locales/ru/count.arb", "{ \"@@locale\": \"ru\", " +
                                          hashes({{"t", "Count"}, {"d", "Counts"}, {"left", "{n, plural, one {# step} other {# steps}} left, {name}"}}) +
                                          R"("t": "Счёт", "d": "Считает", "left": "{n, plural, one {# шаг} other {# шагов}}, {name}" })");
  write(d + "/locales/ru/ui.arb", R"({ "@@locale": "ru" })");
  // Japanese has only other; this one adds "one", turns {n} into plain text and quotes {name}.
  write(d + "/locales/ja/count.arb", "{ \"@@locale\": \"ja\", " + hashes({{"t", "Count"}, {"d", "Counts"}}) +
                                          R"json("t": "カウント", "d": "Counts (stale)", "left": "残り{n}歩、'{name}'" })json");
  write(d + "/locales/ja/ui.arb", R"({ "@@locale": "ja" })");
  // The English description changed after this one was stamped.
  std::string ja = read_text(d + "/locales/ja/count.arb");
  ja.replace(ja.find(content_hash("Counts")), 16, content_hash("Counted things"));
  write(d + "/locales/ja/count.arb", ja);
  std::ostringstream out, err;
  CHECK(run_command({"lint", d + "/dialogs"}, out, err) == 1);
  CHECK(out.str() ==
        d + "/locales/en/count.arb:2:11: message \"left\" uses {name} without declaring it in \"@left\" [/left]\n" +
        d + "/locales/ja/count.arb:1:112: message \"d\" is stale: the English changed after it was translated (\"Counts\") [/d]\n" +
        d + "/locales/ja/count.arb:1:138: message \"left\" has a problem: an ASCII apostrophe before \"{\" turns what follows into plain text; write ’ instead [/left]\n" +
        d + "/locales/ja/count.arb:1:138: message \"left\" has a problem: {n} is plural in English but simple here [/left]\n" +
        d + "/locales/ja/count.arb:1:138: message \"left\" uses {n} but English uses {n}, {name} [/left]\n" +
        d + "/locales/ja/count.arb:1:138: message \"left\" has no source hash; once it is checked against the English, run `tandem stamp` [/left]\n" +
        d + "/locales/ru/count.arb:1:159: message \"left\" has a problem: the plural of {n} needs \"few\" and \"many\" in ru [/left]\n");
}

TEST_CASE("stamp records the English each translation was made from, keeping the file's order", "[lint]") {
  TempDir dir;
  const std::string d = dir.path();
  write(d + "/locales/en/x.arb", R"({ "@@locale": "en", "b": "Bee", "a": "Ay" })");
  write(d + "/locales/fr/x.arb", R"({ "@@locale": "fr", "b": "Abeille", "a": "A", "extra": "not in English" })");
  std::ostringstream out, err;
  REQUIRE(run_command({"stamp", d + "/locales"}, out, err) == 0);
  CHECK(out.str() == "Stamped 1 translated catalogs in " + d + "/locales.\n");
  CHECK(read_text(d + "/locales/fr/x.arb") ==
        "{\n  \"@@locale\": \"fr\",\n  \"@@x-source-hashes\": {\n    \"b\": \"" + content_hash("Bee") + "\",\n    \"a\": \"" +
            content_hash("Ay") + "\"\n  },\n  \"b\": \"Abeille\",\n  \"a\": \"A\",\n  \"extra\": \"not in English\"\n}\n");
  std::ostringstream none_out, none_err;
  CHECK(run_command({"stamp", d + "/nowhere"}, none_out, none_err) == 2);
  CHECK(none_err.str() == "tandem stamp: " + d + "/nowhere has no en/ directory with the English catalogs\n");
}

TEST_CASE("lint catches a wrong @@locale, leftovers, empty and broken messages, and browser plurals", "[lint]") {
  TempDir dir;
  const std::string d = dir.path();
  write(d + "/dialogs/x.json", R"({ "format": 1, "id": "x", "version": "1", "title": "t", "description": "d",
  "steps": [ { "id": "end", "kind": "end", "to": "both", "message": "bye", "args": ["a"] } ] })");
  write(d + "/locales/en/x.arb", R"({ "@@locale": "en", "t": "T", "d": "D", "bye": "Bye",
  "@bye": { "description": "x", "placeholders": { "a": { "type": "String" } } } })");
  write(d + "/locales/en/ui.arb", R"({ "@@locale": "en", "ui.count": "{n, plural, one {# item} other {# items}}" })");
  auto stamped = [](std::initializer_list<std::pair<const char*, const char*>> pairs) {
    std::string out = "\"@@x-source-hashes\": {";
    for (auto [key, english] : pairs) out += std::string(out.back() == '{' ? "" : ", ") + "\"" + key + "\": \"" + content_hash(english) + "\"";
    return out + "}, ";
  };
  // "bye" may use {a}: English declares it for translators even though English does not need it.
  write(d + "/locales/es/x.arb", "{ \"@@locale\": \"es\", " + stamped({{"t", "T"}, {"d", "D"}, {"bye", "Bye"}}) +
                                     R"("t": "", "d": "D {oops", "bye": "Adiós, {a}", "gone": "ya no existe" })");
  write(d + "/locales/es/ui.arb", R"({ "@@locale": "es-MX", "ui.count": "{n, plural, one {# cosa} many {# cosas} other {# cosas}}" })");
  std::ostringstream out, err;
  CHECK(run_command({"lint", d + "/dialogs"}, out, err) == 1);
  CHECK(out.str() ==
        d + "/locales/en/ui.arb:1:33: message \"ui.count\" is shown by the browser, which only fills plain arguments; {n} is plural [/ui.count]\n" +
        d + "/locales/es/ui.arb:1:15: \"@@locale\" is \"es-MX\" but the file is in locales/es/ [/@@locale]\n" +
        d + "/locales/es/ui.arb:1:36: message \"ui.count\" has no source hash; once it is checked against the English, run `tandem stamp` [/ui.count]\n" +
        d + "/locales/es/x.arb:1:135: message \"d\" is not valid ICU MessageFormat (U_UNMATCHED_BRACES) [/d]\n" +
        d + "/locales/es/x.arb:1:175: message \"gone\" is not in the English catalog; remove it [/gone]\n" +
        d + "/locales/es/x.arb:1:126: message \"t\" is empty [/t]\n" +
        // What an empty or broken translation means for a reader: English is shown instead.
        d + "/dialogs/x.json:1:1: message \"t\" is missing in locale \"es\"\n" +
        d + "/dialogs/x.json:1:1: message \"d\" is missing in locale \"es\"\n");
}

TEST_CASE("stamp can record one language only", "[lint]") {
  TempDir dir;
  const std::string d = dir.path();
  write(d + "/locales/en/x.arb", R"({ "@@locale": "en", "a": "Ay" })");
  write(d + "/locales/fr/x.arb", R"({ "@@locale": "fr", "a": "A" })");
  write(d + "/locales/de/x.arb", R"({ "@@locale": "de", "a": "A" })");
  write(d + "/locales/de/feelings.arb", R"({ "@@locale": "de", "feeling.ruhig": "ruhig" })");
  std::ostringstream out, err;
  REQUIRE(run_command({"stamp", d + "/locales/de"}, out, err) == 0);
  CHECK(out.str() == "Stamped 1 translated catalogs in " + d + "/locales/de.\n");
  CHECK(read_text(d + "/locales/de/x.arb").find("@@x-source-hashes") != std::string::npos);
  CHECK(read_text(d + "/locales/fr/x.arb").find("@@x-source-hashes") == std::string::npos);
  CHECK(read_text(d + "/locales/de/feelings.arb").find("@@x-source-hashes") == std::string::npos);
}
