// `tandem lint` as a therapist runs it: every problem with file:line:column, exit 1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
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
  for (const auto& f : std::filesystem::directory_iterator(TANDEM_SOURCE_DIR "/dialogs")) flows += f.path().extension() == ".json";
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
  write(dir.path() + "/locales/es/hello.arb",
        "{ \"@@locale\": \"es\", \"title\": \"Hola\", \"description\": \"Saluda\",\n  \"hi\": \"Hola {b}\", \"bye\": \"Adiós\" }");
  write(dir.path() + "/locales/en/ui.arb", R"({ "@@locale": "en", "ui.ok": "OK" })");
  write(dir.path() + "/locales/es/ui.arb", R"({ "@@locale": "es" })");
  std::ostringstream out, err;
  CHECK(run_command({"lint", dir.path() + "/dialogs"}, out, err) == 1);
  const std::string d = dir.path();
  CHECK(out.str() ==
        d + "/locales/es/ui.arb:1:1: locale \"es\" has no message \"ui.ok\"\n" +
        d + "/dialogs/broken.json:2:20: invalid JSON: syntax error while parsing object - unexpected string literal; expected '}'\n" +
        d + "/locales/es/hello.arb:2:9: message \"hi\" uses {b} but English uses {a}\n" +
        d + "/dialogs/hello.json:5:5: step \"ask\": message \"ask\" is missing in locale \"es\"\n");
  CHECK(err.str() == "4 problems found.\n");
}
