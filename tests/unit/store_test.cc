#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sqlite3.h>

#include "store/session_store.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;

namespace {
SessionRecord record(const std::string& id) { return SessionRecord{id, "flow", "1", "hash1", 1000}; }
StoredEvent event(std::uint64_t seq) { return StoredEvent{seq, "input", "{\"n\":" + std::to_string(seq) + "}", 1000 + static_cast<std::int64_t>(seq), {}}; }

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("stores append in order, refuse a stale sequence and keep the pinned flow", "[store]") {
  TempDir dir;
  bool sqlite = GENERATE(false, true);
  std::unique_ptr<SessionStore> store;
  if (sqlite) store = std::move(*open_sqlite_store(dir.path() + "/data/tandem.db"));
  else store = make_memory_store();

  REQUIRE(store->create_session(record("s1"), {PinnedFlow{"hash1", "flow", "1", "{flow source}"}}, event(1)).ok());
  REQUIRE(store->append("s1", event(2)).ok());
  auto stale = store->append("s1", event(2));
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == "seq-conflict");
  CHECK(stale.error().args.at("seq") == Value{std::int64_t{2}});
  CHECK(store->append("s1", event(4)).error().code == "seq-conflict");
  CHECK(store->append("nope", event(1)).error().code == "unknown-session");
  REQUIRE(store->append("s1", event(3)).ok());

  auto events = store->events("s1");
  REQUIRE(events->size() == 3);
  CHECK((*events)[2].body == "{\"n\":3}");
  CHECK(*store->flow_source("hash1") == "{flow source}");
  CHECK(store->flow_source("other").error().code == "unknown-flow");
  CHECK(store->find_session("s1")->value().flow_hash == "hash1");

  // An event can write the next agreement version in the same transaction.
  CHECK(store->agreements()->empty());
  REQUIRE(store->append("s1", event(4), std::string(R"({"pause_word":"pineapple"})")).ok());
  REQUIRE(store->append("s1", event(5), std::string(R"({"pause_word":"kiwi"})")).ok());
  auto versions = store->agreements();
  REQUIRE(versions->size() == 2);
  CHECK((*versions)[0].version == 1);
  CHECK((*versions)[1].version == 2);
  CHECK((*versions)[1].fields == R"({"pause_word":"kiwi"})");
  CHECK((*versions)[1].session_id == "s1");
  // A refused event writes no agreement either.
  CHECK_FALSE(store->append("s1", event(9), std::string("{}")).ok());
  CHECK(store->agreements()->size() == 2);
  CHECK_FALSE(store->find_session("s2")->has_value());
}

TEST_CASE("the SQLite store survives reopening, and its files are private", "[store]") {
  TempDir dir;
  std::string path = dir.path() + "/nested/tandem/tandem.db";
  {
    auto store = open_sqlite_store(path);
    REQUIRE(store.ok());
    REQUIRE((*store)->create_session(record("s1"), {PinnedFlow{"hash1", "flow", "1", "src"}}, event(1)).ok());
    REQUIRE((*store)->append("s1", event(2)).ok());
  }
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.path() + "/nested/tandem") == 0700);
  auto again = open_sqlite_store(path);
  REQUIRE(again.ok());
  CHECK((*again)->events("s1")->size() == 2);
  CHECK((*again)->list_sessions()->size() == 1);
}

TEST_CASE("a file that is not a database is refused and left alone", "[store]") {
  TempDir dir;
  std::string path = dir.path() + "/tandem.db";
  std::string junk(8192, 'x');
  std::ofstream(path) << junk;
  auto store = open_sqlite_store(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == "storage-corrupt");
  CHECK(read_text(path) == junk);
}

TEST_CASE("deleting a session keeps the agreement versions it wrote", "[store]") {
  TempDir dir;
  bool sqlite = GENERATE(false, true);
  std::unique_ptr<SessionStore> store = sqlite ? std::move(*open_sqlite_store(dir.path() + "/tandem.db")) : make_memory_store();
  REQUIRE(store->create_session(record("s1"), {PinnedFlow{"hash1", "flow", "1", "src"}}, event(1)).ok());
  StoredEvent keyed = event(2);
  keyed.idempotency_key = "k2";
  REQUIRE(store->append("s1", keyed, std::string(R"({"pause_word":"kiwi"})")).ok());
  REQUIRE(store->delete_session("s1").ok());
  CHECK(store->events("s1")->empty());
  CHECK_FALSE(store->find_session("s1")->has_value());
  CHECK_FALSE(store->find_idempotent("k2")->has_value());
  auto versions = store->agreements();
  REQUIRE(versions->size() == 1);
  CHECK((*versions)[0].fields == R"({"pause_word":"kiwi"})");
  CHECK((*versions)[0].session_id.empty());
  CHECK(store->delete_session("s1").error().code == "unknown-session");
}

TEST_CASE("concurrent appends share commits, and a refused one never undoes its neighbours", "[store]") {
  TempDir dir;
  auto store = std::move(*open_sqlite_store(dir.path() + "/tandem.db"));
  constexpr int kWriters = 12, kEvents = 40;
  for (int w = 0; w < kWriters; ++w)
    REQUIRE(store->create_session(record("s" + std::to_string(w)), {PinnedFlow{"hash1", "flow", "1", "{}"}}, event(1)).ok());
  // Each writer appends its own events in order and, between them, a stale one that must fail,
  // so refused and accepted appends keep landing in the same batches.
  std::vector<int> accepted(kWriters, 0), refused(kWriters, 0);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string id = "s" + std::to_string(w);
      for (std::uint64_t seq = 2; seq < 2 + kEvents; ++seq) {
        if (store->append(id, event(seq)).ok()) ++accepted[w];
        if (store->append(id, event(seq)).error().code == "seq-conflict") ++refused[w];
      }
    });
  }
  for (auto& t : writers) t.join();
  for (int w = 0; w < kWriters; ++w) {
    INFO("writer " << w);
    CHECK(accepted[w] == kEvents);
    CHECK(refused[w] == kEvents);
    auto events = store->events("s" + std::to_string(w));
    REQUIRE(events->size() == kEvents + 1);
    for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].seq == i + 1);
  }
}

TEST_CASE("an append refused halfway through is undone on its own; the rest of its batch commits", "[store]") {
  TempDir dir;
  const std::string path = dir.path() + "/tandem.db";
  auto store = std::move(*open_sqlite_store(path));
  constexpr int kWriters = 8, kEvents = 30;
  for (int w = 0; w < kWriters; ++w)
    REQUIRE(store->create_session(record("s" + std::to_string(w)), {PinnedFlow{"hash1", "flow", "1", "{}"}}, event(1)).ok());
  {
    // Refuse some agreements: their event and key are written before the agreement is.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON agreements WHEN NEW.fields = 'refuse'"
                             " BEGIN SELECT RAISE(ABORT, 'refused'); END;", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  std::vector<int> refused(kWriters, 0), failed(kWriters, 0);  // (Catch's REQUIRE is not for threads)
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string id = "s" + std::to_string(w);
      for (std::uint64_t seq = 2; seq < 2 + kEvents; ++seq) {
        StoredEvent e = event(seq);
        e.idempotency_key = id + "-" + std::to_string(seq);
        if (seq % 3 == 0) {
          e.idempotency_key += "-refused";
          if (!store->append(id, e, std::string("refuse")).ok()) ++refused[w];
          e.idempotency_key = id + "-" + std::to_string(seq);
        }
        if (!store->append(id, e, seq % 5 == 0 ? std::optional<std::string>("{}") : std::nullopt).ok()) ++failed[w];
      }
    });
  }
  for (auto& t : writers) t.join();
  for (int w = 0; w < kWriters; ++w) {
    const std::string id = "s" + std::to_string(w);
    INFO("writer " << w);
    CHECK(refused[w] == kEvents / 3);
    CHECK(failed[w] == 0);
    auto events = store->events(id);
    REQUIRE(events->size() == kEvents + 1);
    for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].seq == i + 1);
    for (std::uint64_t seq = 2; seq < 2 + kEvents; ++seq) {
      CHECK(store->find_idempotent(id + "-" + std::to_string(seq))->has_value());
      CHECK_FALSE(store->find_idempotent(id + "-" + std::to_string(seq) + "-refused")->has_value());
    }
  }
  CHECK(store->agreements()->size() == static_cast<std::size_t>(kWriters * (kEvents / 5)));
}

namespace {
std::int64_t count_rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}
}  // namespace

TEST_CASE("searchable text waits in a queue, moves into the index in bulk, and is always found", "[store]") {
  TempDir dir;
  const std::string path = dir.path() + "/tandem.db";
  StoreOptions options;
  options.search_queue_max = 4;
  options.search_idle_ms = 60'000;  // not while this test runs
  auto store = std::move(*open_sqlite_store(path, options));
  StoredEvent first = event(1);
  first.search = {SearchText{"ana", "Ana"}};
  REQUIRE(store->create_session(record("s"), {PinnedFlow{"hash1", "flow", "1", "{}"}}, first).ok());
  auto said = [&](std::uint64_t seq, const std::string& text) {
    StoredEvent e = event(seq);
    e.search = {SearchText{text, text}};
    REQUIRE(store->append("s", e).ok());
  };
  said(2, "window seat");
  said(3, "quiet dinner");
  // Three rows wait; nothing is in the index yet, but a search finds them (it moves them first).
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search_queue") == 3);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search") == 0);
  auto hits = store->search("dinner");
  REQUIRE(hits->size() == 1);
  CHECK((*hits)[0].original == "quiet dinner");
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search_queue") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search") == 3);
  // Past its longest, a commit moves the queue by itself.
  for (std::uint64_t seq = 4; seq < 8; ++seq) said(seq, "walk number " + std::to_string(seq));
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search_queue") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search") == 7);
  // What waits in the queue survives a restart, and goes with its session.
  said(8, "tea at eight");
  store.reset();
  store = std::move(*open_sqlite_store(path, options));
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search_queue") == 1);
  REQUIRE(store->delete_session("s").ok());
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search_queue") == 0);
  CHECK(store->search("eight")->empty());
  CHECK(store->search("walk")->empty());
}

TEST_CASE("queued search text moves into the index by itself once writes pause", "[store]") {
  TempDir dir;
  const std::string path = dir.path() + "/tandem.db";
  StoreOptions options;
  options.search_idle_ms = 50;
  auto store = std::move(*open_sqlite_store(path, options));
  StoredEvent first = event(1);
  first.search = {SearchText{"ana", "Ana"}, SearchText{"ben", "Ben"}};
  REQUIRE(store->create_session(record("s"), {PinnedFlow{"hash1", "flow", "1", "{}"}}, first).ok());
  std::int64_t queued = 2;
  for (int i = 0; i < 100 && queued > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    queued = count_rows(path, "SELECT COUNT(*) FROM search_queue");
  }
  CHECK(queued == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM search") == 2);
}

TEST_CASE("the store's own thread checkpoints the log once it passes 1,000 pages", "[store]") {
  // Checkpoints belong on the checkpointer's connection. Its first version never ran one (a
  // connection that has not read the database yet does not know it is in WAL mode, and SQLite
  // then answers a checkpoint with "nothing to do"), so the log grew to the writer's fallback at
  // 8,000 pages and each checkpoint stalled a commit, every couple's turn with it.
  TempDir dir;
  const std::string path = dir.path() + "/tandem.db";
  auto store = std::move(*open_sqlite_store(path));
  REQUIRE(store->create_session(record("s"), {PinnedFlow{"hash1", "flow", "1", "{}"}}, event(1)).ok());
  const auto db_size = [&] { return std::filesystem::file_size(path); };
  const auto initial = db_size();
  // About 1,500 pages of log: every event on pages of its own, well short of the 8,000 at which
  // the writer would checkpoint by itself.
  const std::string page_of_text(3000, 'x');
  for (std::uint64_t seq = 2; seq <= 500; ++seq) {
    StoredEvent e = event(seq);
    e.body = "{\"text\":\"" + page_of_text + std::to_string(seq) + "\"}";
    REQUIRE(store->append("s", e, std::nullopt).ok());
  }
  REQUIRE(std::filesystem::file_size(path + "-wal") < 8000u * 4096u);
  // A checkpoint copies the logged pages into the database file.
  auto size = db_size();
  for (int i = 0; i < 150 && size < initial + 1000 * 1024; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    size = db_size();
  }
  INFO("database file: " << initial << " bytes before, " << size << " after");
  CHECK(size >= initial + 1000 * 1024);
}
