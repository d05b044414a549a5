// Storage faults seen from outside: a busy database answers 503 with a retry hint, a full disk
// 507 with everything written before intact (and writes resume when space returns), a damaged
// file is refused and left as it is. Nothing is acknowledged that was not committed.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/session_service.h"
#include "cli/commands.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;
using nlohmann::json;

namespace {

struct Service {
  FakeClock clock;
  std::unique_ptr<SessionStore> store;
  SessionService service;
  explicit Service(std::unique_ptr<SessionStore> s)
      : store(std::move(s)), service(shipped().flows, shipped().catalogs, shipped_locales(), *store, clock) {}
};

NewSession couple() { return NewSession{"feel-prefer-try", {PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}}, {}, ""}; }


}  // namespace

TEST_CASE("a database held by another writer answers busy, and nothing is half-written", "[faults]") {
  TempDir dir;
  std::string path = dir.path() + "/tandem.db";
  Service s(std::move(*open_sqlite_store(path)));
  auto view = s.service.create(couple());
  REQUIRE(view.ok());
  std::string id = (*view)["id"];
  std::size_t before = s.store->events(id)->size();

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto refused = s.service.mutate(id, typed(Partner::A, "yes", "k1"));  // waits the busy timeout, then gives up
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "busy");
  REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);

  CHECK(s.store->events(id)->size() == before);
  auto retried = s.service.mutate(id, typed(Partner::A, "yes", "k1"));  // the same key, now it goes through
  REQUIRE(retried.ok());
  CHECK(s.store->events(id)->size() == before + 1);
}

TEST_CASE("a full disk refuses new turns, keeps every earlier one, and recovers when space returns", "[faults]") {
  TempDir dir;
  std::string path = dir.path() + "/tandem.db";
  std::string id;
  {
    Service s(std::move(*open_sqlite_store(path)));
    auto view = s.service.create(couple());
    REQUIRE(view.ok());
    id = (*view)["id"];
  }
  std::int64_t pages = 0;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, nullptr);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    pages = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
  // The disk is "full": the database may not grow past what it has.
  Service full(std::move(*open_sqlite_store(path, StoreOptions{pages})));
  std::string error_code;
  int accepted = 0;
  for (int i = 0; i < 200 && error_code.empty(); ++i) {
    std::string long_text(1500, static_cast<char>('a' + i % 26));
    auto turn = full.service.mutate(id, typed(i % 2 ? Partner::B : Partner::A, i < 2 ? "yes" : long_text, "full-" + std::to_string(i)));
    if (turn.ok()) ++accepted;
    else if (turn.error().code != "not-your-turn") error_code = turn.error().code;
  }
  CHECK(error_code == "storage-full");
  std::size_t kept = full.store->events(id)->size();
  CHECK(kept == static_cast<std::size_t>(1 + accepted));  // exactly what was acknowledged

  // Space returns: the same data, and writing goes on where it stopped.
  Service roomy(std::move(*open_sqlite_store(path)));
  auto view = roomy.service.view(id, Partner::A, "");
  REQUIRE(view.ok());
  CHECK((*view)["seq"] == kept);
  std::string who = (*view)["awaiting"][0];
  auto next = roomy.service.mutate(id, typed(who == "a" ? Partner::A : Partner::B, "we have room again", "roomy-1"));
  CHECK(next.ok());
  CHECK(roomy.store->events(id)->size() == kept + 1);
}

TEST_CASE("tandem serve refuses a damaged database with a clear message and leaves it alone", "[faults]") {
  TempDir dir;
  std::string junk(16384, '\x5a');
  std::ofstream(dir.path() + "/tandem.db", std::ios::binary) << junk;
  std::ostringstream out, err;
  CHECK(run_command({"serve", "--port", "0", "--data", dir.path()}, out, err) == 1);
  CHECK(err.str() == "tandem serve: " + dir.path() + "/tandem.db is damaged or is not a Tandem database (configuring the "
                     "database: file is not a database). Nothing was written to it; it is kept as it is, so it can be "
                     "recovered. To start afresh, move it aside or choose another place with --data.\n");
  CHECK(read_text(dir.path() + "/tandem.db") == junk);
}

namespace {
// Whether `phrase` appears anywhere in the database's files, byte for byte.
bool on_disk(const std::string& db_path, const std::string& phrase) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::string content = read_text(db_path + suffix);
    if (content.find(phrase) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("deleting a session removes its words from the database and its write-ahead log", "[faults][privacy]") {
  TempDir dir;
  std::string path = dir.path() + "/tandem.db";
  Service s(std::move(*open_sqlite_store(path)));
  auto keep = s.service.create(couple());
  auto drop = s.service.create(couple());
  REQUIRE(keep.ok());
  REQUIRE(drop.ok());
  std::string kept = (*keep)["id"], dropped = (*drop)["id"];
  for (const std::string& id : {kept, dropped}) {
    REQUIRE(s.service.mutate(id, typed(Partner::A, "yes", id + "-1")).ok());
    REQUIRE(s.service.mutate(id, typed(Partner::B, "yes", id + "-2")).ok());
  }
  const std::string secret = "zebra-unicorn-pineapple-42";
  REQUIRE(s.service.mutate(dropped, typed(Partner::A, "I feel " + secret, "secret")).ok());
  REQUIRE(s.service.mutate(kept, typed(Partner::A, "still here", "kept")).ok());
  REQUIRE(on_disk(path, secret));  // the search finds what is there

  REQUIRE(s.service.delete_session(dropped).ok());
  CHECK_FALSE(on_disk(path, secret));
  CHECK(on_disk(path, "still here"));
  CHECK(s.service.view(dropped, Partner::A, "").error().code == "unknown-session");
  CHECK(s.service.delete_session(dropped).error().code == "unknown-session");
  CHECK(s.service.view(kept, Partner::A, "").ok());
  CHECK(s.store->find_idempotent("secret")->has_value() == false);

  // Everything: nothing of any session is left.
  REQUIRE(s.service.delete_everything().ok());
  CHECK_FALSE(on_disk(path, "still here"));
  CHECK(s.store->list_sessions()->empty());
  CHECK(s.service.view(kept, Partner::A, "").error().code == "unknown-session");
}
