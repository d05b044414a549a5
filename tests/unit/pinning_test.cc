// A running session keeps the exact flow it started with, even when the flow file changes: the
// session pins the flow's content by hash and stores that content, so a changed file (a therapist
// editing it, a new release) only affects sessions started afterwards — also across a restart.
#include <catch2/catch.hpp>

#include "app/session_service.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {

const char* kVersion1 = R"({ "format": 1, "id": "pinned", "version": "1", "title": "t", "description": "d", "minutes": 5,
  "steps": [ { "id": "first", "kind": "ask", "to": "a", "input": "text", "prompt": "first", "capture": "x" },
             { "id": "second", "kind": "ask", "to": "b", "input": "text", "prompt": "second", "capture": "y" },
             { "id": "end", "kind": "end", "to": "both", "message": "bye" } ] })";
// The edit removes the second question and says something new instead.
const char* kVersion2 = R"({ "format": 1, "id": "pinned", "version": "2", "title": "t", "description": "d", "minutes": 5,
  "steps": [ { "id": "first", "kind": "ask", "to": "a", "input": "text", "prompt": "first", "capture": "x" },
             { "id": "new", "kind": "say", "to": "both", "message": "new" },
             { "id": "end", "kind": "end", "to": "both", "message": "bye" } ] })";

Catalogs test_catalogs() {
  Catalogs c;
  REQUIRE(c.add_arb(R"({ "@@locale": "en", "t": "T", "d": "D", "first": "First?", "second": "Second?", "new": "New!", "bye": "Bye" })",
                    "pinned", "en/pinned.arb").ok());
  REQUIRE(c.add_arb(R"({ "@@locale": "en", "ui.locale_name": "English" })", "ui", "en/ui.arb").ok());
  return c;
}


}  // namespace

TEST_CASE("a session keeps the flow it started with when the file changes, also after a restart", "[app]") {
  TempDir dir;
  Catalogs catalogs = test_catalogs();
  LocaleNegotiator locales({"en"});
  FakeClock clock;
  auto store = std::move(*open_sqlite_store(dir.path() + "/tandem.db"));
  NewSession request{"pinned", {PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}}, {}, {}};

  FlowLibrary library;
  library.add(flow_from(kVersion1));
  std::string id;
  {
    SessionService service(library, catalogs, locales, *store, clock);
    auto view = service.create(request);
    REQUIRE(view.ok());
    id = (*view)["id"];
    REQUIRE(service.mutate(id, typed(Partner::A, "one")).ok());

    library.add(flow_from(kVersion2));  // the file is edited while the session is open
    auto next = service.view(id, Partner::B, "");
    REQUIRE(next.ok());
    CHECK((*next)["flow"]["version"] == "1");
    CHECK((*next)["input"]["step"] == "second");  // version 1's step, which version 2 no longer has
    auto fresh = service.create(request);
    REQUIRE(fresh.ok());
    CHECK((*fresh)["flow"]["version"] == "2");  // new sessions get the new version
  }
  // A restart: a new service whose library only knows version 2.
  FlowLibrary restarted;
  restarted.add(flow_from(kVersion2));
  SessionService service(restarted, catalogs, locales, *store, clock);
  auto view = service.view(id, Partner::B, "");
  REQUIRE(view.ok());
  CHECK((*view)["flow"]["version"] == "1");
  CHECK((*view)["input"]["step"] == "second");
  auto done = service.mutate(id, typed(Partner::B, "two"));
  REQUIRE(done.ok());
  CHECK((*done)["status"] == "completed");
  CHECK((*done)["thread"].back()["text"] == "Bye");
}
