#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <unordered_map>

#include <sqlite3.h>

#include "store/session_store.h"

namespace tandem {
namespace {

// Each entry migrates from user_version == index to index + 1. Never edit a shipped entry; add one.
const char* const kMigrations[] = {
    R"sql(
      CREATE TABLE flows (
        hash TEXT PRIMARY KEY,
        flow_id TEXT NOT NULL,
        version TEXT NOT NULL,
        source TEXT NOT NULL
      ) STRICT;
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        flow_id TEXT NOT NULL,
        flow_version TEXT NOT NULL,
        flow_hash TEXT NOT NULL REFERENCES flows(hash),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE events (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) STRICT, WITHOUT ROWID;
    )sql",
    R"sql(
      CREATE TABLE agreements (
        version INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        fields TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    )sql",
    R"sql(
      CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    )sql",
    // Agreement versions outlive the session that wrote them (deleting a transcript keeps the
    // couple's agreement): the link becomes nullable and is cleared on delete.
    R"sql(
      CREATE TABLE agreements_new (
        version INTEGER PRIMARY KEY,
        session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
        fields TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO agreements_new SELECT version, session_id, fields, created_at FROM agreements;
      DROP TABLE agreements;
      ALTER TABLE agreements_new RENAME TO agreements;
    )sql",
    // Full-text search over folded text, trigram-tokenized so every script works (CJK has no
    // spaces between words); small settings. The index is filled by the app, which folds text.
    R"sql(
      CREATE VIRTUAL TABLE search USING fts5(folded, session_id UNINDEXED, original UNINDEXED, tokenize = 'trigram');
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    )sql",
    // Searchable text waits in a queue, written with its event: one page per commit at most,
    // where adding to the FTS5 index made a new segment (several pages) in every commit. The
    // store moves it into the index in bulk, and always before a search.
    R"sql(
      CREATE TABLE search_queue (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        folded TEXT NOT NULL,
        original TEXT NOT NULL
      ) STRICT;
    )sql",
};

Error sqlite_error(sqlite3* db, int rc, const std::string& doing) {
  int primary = rc & 0xff;
  std::string detail = doing + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return make_error("busy", detail);
  if (primary == SQLITE_FULL) return make_error("storage-full", detail);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return make_error("storage-corrupt", detail);
  return make_error("internal", detail);
}

// A prepared statement: either its own (finalized at the end of the scope), or one lent by a
// connection's cache of prepared statements (reset and unbound at the end of the scope, so it can
// be lent again and never keeps a read or write open).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : owned_(true) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  explicit Statement(sqlite3_stmt* lent, int rc) : stmt_(lent), rc_(rc), owned_(false) {}
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  int prepare_status() const { return rc_; }
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // A statement that could not be prepared steps to its preparation error.
  int step() { return stmt_ ? sqlite3_step(stmt_) : rc_; }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column)) : std::string();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
  bool owned_;
};

// Each connection prepares a statement once and keeps it: parsing SQL again on every turn cost
// more than running it. Used under the connection's mutex only.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  Statement get(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Statement(it->second, SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Statement(nullptr, rc);
    }
    cache_.emplace(sql, stmt);
    return Statement(stmt, SQLITE_OK);
  }
  void clear() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteStore final : public SessionStore {
 public:
  SqliteStore(sqlite3* db, StoreOptions options) : db_(db), options_(options), writes_(db) {}
  ~SqliteStore() override {
    if (committer_.joinable()) {  // after the last write: it commits what is queued, then ends
      {
        std::lock_guard lock(queue_mutex_);
        stop_committer_ = true;
      }
      committer_wake_.notify_one();
      committer_.join();
    }
    if (checkpointer_.joinable()) {
      {
        std::lock_guard lock(wal_mutex_);
        stopping_ = true;
      }
      wal_grew_.notify_all();
      checkpointer_.join();
    }
    sqlite3_close_v2(checkpoints_);
    writes_.clear();
    if (reads_) reads_->clear();
    sqlite3_close_v2(reader_);
    sqlite3_close_v2(db_);
  }

  // Reads go through a second, read-only connection: in WAL mode they see every committed
  // write and never wait for a commit's fsync, so requests keep joining the next group commit
  // instead of queueing behind the one in progress.
  Status open_reader(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &reader_, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(reader_, rc, "opening " + path + " for reading");
    sqlite3_busy_timeout(reader_, 2000);
    sqlite3_extended_result_codes(reader_, 1);
    reads_.emplace(reader_);
    return Ok{};
  }

  // Group commits are written by a thread of their own (commit_loop).
  Status start_committer() {
    committer_ = without_signals([this] { commit_loop(); });
    return Ok{};
  }

  // A thread that starts with every signal blocked: signals are for the threads that expect them
  // (serve waits for SIGTERM on one), not for the store's own.
  template <class Work>
  static std::thread without_signals(Work work) {
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    std::thread thread(std::move(work));
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    return thread;
  }

  // Checkpoints (copying the write-ahead log into the database file, then an fsync of it) run on
  // a connection and a thread of their own, in PASSIVE mode, which never blocks a writer: done by
  // the committing thread, as SQLite does by default, one stalled every commit waiting behind it.
  // The log is then reused from its start, so commits overwrite instead of growing the file.
  Status start_checkpointer(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &checkpoints_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(checkpoints_, rc, "opening " + path + " for checkpoints");
    sqlite3_busy_timeout(checkpoints_, 2000);
    // A connection learns that the database is in WAL mode when it first reads it; until then
    // SQLite answers every checkpoint with "nothing to do" (and a log of -1 frames).
    if (int read = sqlite3_exec(checkpoints_, "SELECT COUNT(*) FROM sqlite_schema", nullptr, nullptr, nullptr); read != SQLITE_OK)
      return sqlite_error(checkpoints_, read, "opening " + path + " for checkpoints");
    sqlite3_wal_hook(db_, &SqliteStore::wal_grew, this);  // replaces SQLite's own automatic checkpoints
    checkpointer_ = without_signals([this] { checkpoint_loop(); });
    return Ok{};
  }

  // After each commit, on the committing thread: how many pages the log holds.
  static int wal_grew(void* self, sqlite3* db, const char*, int pages) {
    auto* store = static_cast<SqliteStore*>(self);
    if (pages >= kCheckpointPages * 8) {
      // The checkpointer is far behind (a long reader, a slow disk): one here, as SQLite would.
      (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kCheckpointPages) {
      {
        std::lock_guard lock(store->wal_mutex_);
        store->wal_pages_ = pages;
      }
      store->wal_grew_.notify_one();
    }
    return SQLITE_OK;
  }

  // The store's own thread: checkpoints when the log has grown, and moves queued search text
  // into the index once writes have paused (search_idle_ms), so FTS5's work (and its segment
  // merges, which took up to 20 ms) never holds up a turn while a couple is talking.
  void checkpoint_loop() {
    const auto idle = std::chrono::milliseconds(options_.search_idle_ms);
    const auto tick = std::min(idle, std::chrono::milliseconds(500));
    std::unique_lock lock(wal_mutex_);
    while (true) {
      wal_grew_.wait_for(lock, tick, [&] { return stopping_ || wal_pages_ >= kCheckpointPages; });
      if (stopping_) return;
      bool checkpoint = wal_pages_ >= kCheckpointPages;
      wal_pages_ = 0;
      lock.unlock();
      if (checkpoint) {
        std::lock_guard running(checkpoint_mutex_);
        (void)sqlite3_wal_checkpoint_v2(checkpoints_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      }
      if (Clock::now() - last_write_.load() >= idle) {
        std::lock_guard writing(mutex_);
        (void)index_queue();  // if it fails (a full disk), the text stays queued: a search tries again
      }
      lock.lock();
    }
  }

  // One statement of the write connection, from its cache: BEGIN, SAVEPOINT, COMMIT…
  Status run(const char* sql, const std::string& doing) {
    Statement statement = writes_.get(sql);
    int rc = statement.step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return sqlite_error(db_, rc, doing);
    return Ok{};
  }

  Status exec(const char* sql, const std::string& doing) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, doing);
    return Ok{};
  }

  // Undoes an open transaction; if even that fails, SQLite rolls back when the next one starts.
  void rollback() { (void)run("ROLLBACK", "rolling back"); }

  Status configure() {
    sqlite3_busy_timeout(db_, 2000);
    sqlite3_extended_result_codes(db_, 1);
    if (auto ok = exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                       " PRAGMA secure_delete=ON;", "configuring the database");
        !ok)
      return ok;
    if (options_.max_pages > 0) {
      std::string limit = "PRAGMA max_page_count=" + std::to_string(options_.max_pages) + ";";
      if (auto ok = exec(limit.c_str(), "limiting the database size"); !ok) return ok;
    }
    std::int64_t current = 0;
    {
      // Finalized before migrating: an open statement would keep DROP TABLE from running.
      Statement version(db_, "PRAGMA user_version");
      if (version.step() != SQLITE_ROW) return sqlite_error(db_, version.prepare_status(), "reading the schema version");
      current = version.integer(0);
    }
    constexpr std::int64_t latest = sizeof kMigrations / sizeof kMigrations[0];
    if (current > latest)
      return make_error("storage-corrupt", "the database was written by a newer Tandem (schema " + std::to_string(current) + ")");
    for (std::int64_t v = current; v < latest; ++v) {
      std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] + "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
      if (auto ok = exec(sql.c_str(), "migrating the database to schema " + std::to_string(v + 1)); !ok) {
        rollback();
        return ok;
      }
    }
    Statement queued = writes_.get("SELECT COUNT(*) FROM search_queue");
    if (queued.step() != SQLITE_ROW) return sqlite_error(db_, queued.prepare_status(), "reading the search queue");
    queued_ = static_cast<std::size_t>(queued.integer(0));
    return Ok{};
  }

  // A new session goes through the same group commit as turns: no fsync of its own, and no
  // commit of its own for turns to wait behind.
  Status create_session(const SessionRecord& session, const std::vector<PinnedFlow>& flows, const StoredEvent& first) override {
    return commit_in_turn([&] { return write_start(session, flows, first); });
  }

  Result<std::optional<SessionRecord>> find_session(const std::string& id) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT id, flow_id, flow_version, flow_hash, created_at FROM sessions WHERE id = ?");
    q.bind(1, id);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<SessionRecord>();
    if (rc != SQLITE_ROW) return sqlite_error(reader_, rc, "reading a session");
    return std::optional<SessionRecord>(record(q));
  }

  Result<std::vector<SessionRecord>> list_sessions() override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT id, flow_id, flow_version, flow_hash, created_at FROM sessions ORDER BY created_at DESC");
    std::vector<SessionRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(record(q));
    if (rc != SQLITE_DONE) return sqlite_error(reader_, rc, "listing sessions");
    return out;
  }

  Result<std::string> flow_source(const std::string& hash) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT source FROM flows WHERE hash = ?");
    q.bind(1, hash);
    int rc = q.step();
    if (rc == SQLITE_DONE) return make_error("unknown-flow", "no stored flow with hash " + hash);
    if (rc != SQLITE_ROW) return sqlite_error(reader_, rc, "reading a flow");
    return q.text(0);
  }

  Result<std::vector<StoredEvent>> events(const std::string& session_id) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT seq, kind, body, at FROM events WHERE session_id = ? ORDER BY seq");
    q.bind(1, session_id);
    std::vector<StoredEvent> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      out.push_back(StoredEvent{static_cast<std::uint64_t>(q.integer(0)), q.text(1), q.text(2), q.integer(3), {}});
    if (rc != SQLITE_DONE) return sqlite_error(reader_, rc, "reading events");
    return out;
  }

  Status delete_session(const std::string& id) override { return delete_sessions({id}); }

  Status delete_sessions(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    if (ids.empty()) return Ok{};
    if (auto ok = run("BEGIN IMMEDIATE", "deleting sessions"); !ok) return ok;
    for (const std::string& id : ids) {
      Statement words = writes_.get("DELETE FROM search WHERE session_id = ?");
      words.bind(1, id);
      if (int rc = words.step(); rc != SQLITE_DONE) {
        Error e = sqlite_error(db_, rc, "deleting a session's search entries");
        rollback();
        return e;
      }
      Statement remove = writes_.get("DELETE FROM sessions WHERE id = ?");  // events and keys follow (ON DELETE CASCADE)
      remove.bind(1, id);
      if (int rc = remove.step(); rc != SQLITE_DONE) {
        Error e = sqlite_error(db_, rc, "deleting a session");
        rollback();
        return e;
      }
      if (sqlite3_changes(db_) == 0) {
        rollback();
        return make_error("unknown-session", "no session " + id);
      }
    }
    if (auto ok = run("COMMIT", "deleting sessions"); !ok) {
      rollback();
      return ok;
    }
    return scrub();
  }

  Status delete_everything() override {
    std::lock_guard lock(mutex_);
    if (auto ok = exec("BEGIN IMMEDIATE; DELETE FROM search; DELETE FROM search_queue; DELETE FROM agreements;"
                       " DELETE FROM sessions; DELETE FROM flows; COMMIT;",
                       "deleting everything");
        !ok) {
      rollback();
      return ok;
    }
    return scrub();
  }

  Result<std::vector<SearchHit>> search(const std::string& folded) override {
    {
      std::lock_guard lock(mutex_);  // everything committed is findable
      if (auto ok = index_queue(); !ok) return ok.error();
    }
    std::lock_guard lock(read_mutex_);
    // A trigram index needs three characters; shorter searches (two CJK characters are a word)
    // read every row, which is quick for one couple's history.
    std::size_t characters = 0;
    for (unsigned char c : folded) characters += (c & 0xC0) != 0x80;
    bool indexed = characters >= 3;
    Statement q = reads_->get(indexed ? "SELECT session_id, original FROM search WHERE search MATCH ?"
                             : "SELECT session_id, original FROM search WHERE instr(folded, ?) > 0");
    std::string phrase = folded;
    if (indexed) {  // one phrase: quotes doubled, everything else literal
      std::string quoted = "\"";
      for (char c : folded) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      phrase = quoted + "\"";
    }
    q.bind(1, phrase);
    std::vector<SearchHit> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(SearchHit{q.text(0), q.text(1)});
    if (rc != SQLITE_DONE) return sqlite_error(reader_, rc, "searching");
    return out;
  }

  Status reindex(const std::string& session_id, const std::vector<SearchText>& texts) override {
    std::lock_guard lock(mutex_);
    if (auto ok = run("BEGIN IMMEDIATE", "reindexing a session"); !ok) return ok;
    std::optional<Error> error;
    for (const char* sql : {"DELETE FROM search WHERE session_id = ?", "DELETE FROM search_queue WHERE session_id = ?"}) {
      Statement clear = writes_.get(sql);
      clear.bind(1, session_id);
      if (int rc = clear.step(); !error && rc != SQLITE_DONE) error = sqlite_error(db_, rc, "reindexing a session");
    }
    for (std::size_t i = 0; !error && i < texts.size(); ++i) {
      Statement insert = writes_.get("INSERT INTO search(folded, session_id, original) VALUES(?,?,?)");
      insert.bind(1, texts[i].folded).bind(2, session_id).bind(3, texts[i].original);
      if (int rc = insert.step(); rc != SQLITE_DONE) error = sqlite_error(db_, rc, "reindexing a session");
    }
    if (!error) {
      if (auto ok = run("COMMIT", "reindexing a session"); !ok) error = ok.error();
    }
    if (error) {
      rollback();
      return *error;
    }
    return Ok{};
  }

  Result<std::optional<std::string>> setting(const std::string& key) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT value FROM settings WHERE key = ?");
    q.bind(1, key);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return sqlite_error(reader_, rc, "reading a setting");
    return std::optional<std::string>(q.text(0));
  }

  Status put_setting(const std::string& key, const std::optional<std::string>& value) override {
    std::lock_guard lock(mutex_);
    Statement q = writes_.get(value ? "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                           : "DELETE FROM settings WHERE key = ?");
    q.bind(1, key);
    if (value) q.bind(2, *value);
    if (int rc = q.step(); rc != SQLITE_DONE) return sqlite_error(db_, rc, "saving a setting");
    return Ok{};
  }

  Result<std::vector<std::string>> idle_sessions(std::int64_t before_ms) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT session_id FROM events GROUP BY session_id HAVING MAX(at) < ?");
    q.bind(1, before_ms);
    std::vector<std::string> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
    if (rc != SQLITE_DONE) return sqlite_error(reader_, rc, "finding old sessions");
    return out;
  }

  Result<std::optional<IdempotentWrite>> find_idempotent(const std::string& key) override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT session_id, seq FROM idempotency WHERE key = ?");
    q.bind(1, key);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<IdempotentWrite>();
    if (rc != SQLITE_ROW) return sqlite_error(reader_, rc, "reading an idempotency key");
    return std::optional<IdempotentWrite>(IdempotentWrite{q.text(0), static_cast<std::uint64_t>(q.integer(1))});
  }

  Result<std::vector<AgreementVersion>> agreements() override {
    std::lock_guard lock(read_mutex_);
    Statement q = reads_->get("SELECT version, session_id, fields, created_at FROM agreements ORDER BY version");
    std::vector<AgreementVersion> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(AgreementVersion{q.integer(0), q.text(1), q.text(2), q.integer(3)});
    if (rc != SQLITE_DONE) return sqlite_error(reader_, rc, "reading the agreement");
    return out;
  }

  // A turn's event joins the next group commit (commit_in_turn).
  Status append(const std::string& session_id, const StoredEvent& event, const std::optional<std::string>& agreement) override {
    return commit_in_turn([&] { return write_event(session_id, event, agreement); });
  }

 private:
  // What writing one event did: its error, if any, and whether it had already written part of
  // itself into the open transaction (then only a savepoint, or rolling back everything, takes
  // that part back).
  struct Written {
    std::optional<Error> error;
    bool partial = false;
  };

  // One write waiting for a commit: what it writes (inside the batch's open transaction), and
  // how that went.
  struct PendingWrite {
    std::function<Written()> write;
    Status result = Ok{};
    bool done = false;  // under queue_mutex_
  };

  // Group commit: every write waiting while a commit is under way joins the next one, so one
  // fsync acknowledges all of them. The committer thread takes the queue, writes each one,
  // commits once, and wakes that batch's writers. Nobody returns before the commit that holds
  // their write.
  Status commit_in_turn(std::function<Written()> write) {
    PendingWrite mine{std::move(write)};
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&mine);
    if (!committing_) committer_wake_.notify_one();
    // The writes of one batch wait on one condition (batches alternate between two), so a
    // commit wakes exactly its own writers, with one call.
    batch_done_[next_batch_ % 2].wait(lock, [&] { return mine.done; });
    return mine.result;
  }

  // On its own thread, which sleeps between commits: a thread that mostly sleeps is scheduled at
  // once when its fsync returns, where a request thread leading the commit waited for a core
  // between its system calls under load (COMMIT took about four times its own cost).
  void commit_loop() {
    std::unique_lock lock(queue_mutex_);
    for (;;) {
      committer_wake_.wait(lock, [&] { return !queue_.empty() || stop_committer_; });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      std::vector<PendingWrite*> batch;
      batch.swap(queue_);
      std::condition_variable& done = batch_done_[next_batch_++ % 2];
      committing_ = true;
      lock.unlock();
      commit_batch(batch);
      lock.lock();
      committing_ = false;
      for (PendingWrite* p : batch) p->done = true;
      done.notify_all();
    }
  }

  void commit_batch(const std::vector<PendingWrite*>& batch) {
    std::lock_guard lock(mutex_);
    if (!commit_without_savepoints(batch)) commit_with_savepoints(batch);
    last_write_ = Clock::now();
  }

  // Under mutex_: moves every queued searchable text into the full-text index, in a transaction
  // of its own.
  Status index_queue() {
    if (queued_ == 0) return Ok{};
    if (auto ok = run("BEGIN IMMEDIATE", "indexing text for search"); !ok) return ok;
    if (auto moved = move_queue(); !moved) {
      rollback();
      return moved.error();
    }
    if (auto ok = run("COMMIT", "indexing text for search"); !ok) {
      rollback();
      return ok;
    }
    queued_ = 0;
    return Ok{};
  }

  // Inside an open transaction: the queue into the index, wholly or not at all.
  // `limit` rows (the oldest; -1: all) at a time. Returns how many moved.
  Result<std::int64_t> move_queue(std::int64_t limit = -1) {
    if (auto ok = run("SAVEPOINT move_queue", "indexing text for search"); !ok) return ok.error();
    Statement copy = writes_.get("INSERT INTO search(folded, session_id, original) SELECT folded, session_id, original"
                                 " FROM search_queue ORDER BY id LIMIT ?");
    copy.bind(1, limit);
    int rc = copy.step();
    std::int64_t moved = 0;
    if (rc == SQLITE_DONE) {
      Statement remove = writes_.get("DELETE FROM search_queue WHERE id IN (SELECT id FROM search_queue ORDER BY id LIMIT ?)");
      remove.bind(1, limit);
      rc = remove.step();
      moved = sqlite3_changes(db_);
    }
    if (rc == SQLITE_DONE) {
      (void)run("RELEASE move_queue", "closing a search index update");
      return moved;
    }
    Error error = sqlite_error(db_, rc, "indexing text for search");  // before ROLLBACK TO replaces the message
    if (!sqlite3_get_autocommit(db_)) {  // unless SQLite rolled everything back already
      (void)run("ROLLBACK TO move_queue", "undoing a search index update");
      (void)run("RELEASE move_queue", "closing a search index update");
    }
    return error;
  }

  // The usual case. Each event is checked before it writes anything (its seq follows the
  // session's last, its key is new), so one that is refused leaves nothing behind and the batch
  // needs no savepoints, each of which costs FTS5 a round of work. Returns false, with the
  // transaction rolled back and no event answered, when an event failed after writing part of
  // itself (or SQLite rolled everything back): the batch is then written again with savepoints.
  bool commit_without_savepoints(const std::vector<PendingWrite*>& batch) {
    if (!run("BEGIN IMMEDIATE", "appending events")) return false;
    std::vector<PendingWrite*> written;
    for (PendingWrite* p : batch) {
      Written w = p->write();
      if (!w.error) {
        written.push_back(p);
        continue;
      }
      if (w.partial || sqlite3_get_autocommit(db_)) {
        if (!sqlite3_get_autocommit(db_)) rollback();
        for (PendingWrite* q : batch) q->result = Ok{};
        return false;
      }
      p->result = *w.error;
    }
    // Under writes that never pause, the queue still moves into the index once it is long: its
    // oldest rows, a few hundred with each batch (no fsync of their own, and a bounded delay for
    // the batch). If that fails, the text stays queued for the next time.
    std::int64_t moved = 0;
    if (!written.empty() && queued_ >= options_.search_queue_max) {
      auto chunk = move_queue(kMoveChunk);
      if (!chunk && sqlite3_get_autocommit(db_)) {
        for (PendingWrite* q : batch) q->result = Ok{};
        return false;  // SQLite rolled the batch back too: write it again, with savepoints
      }
      if (chunk) moved = *chunk;
    }
    if (finish(written)) queued_ -= std::min<std::size_t>(queued_, static_cast<std::size_t>(moved));
    return true;
  }

  // Each event in its own savepoint, so one refused event never undoes its neighbours.
  void commit_with_savepoints(const std::vector<PendingWrite*>& batch) {
    std::vector<PendingWrite*> written;  // in the open transaction, not yet committed
    bool open = false;
    for (PendingWrite* p : batch) {
      if (!open) {
        if (auto ok = run("BEGIN IMMEDIATE", "appending events"); !ok) {
          p->result = ok;
          continue;
        }
        open = true;
      }
      if (auto ok = run("SAVEPOINT one_event", "appending an event"); !ok) {
        p->result = ok;
        continue;
      }
      if (Written w = p->write(); w.error) {
        p->result = *w.error;
        if (sqlite3_get_autocommit(db_)) {
          // Some errors (a full disk, for one) make SQLite roll back the whole transaction: the
          // events written before this one are gone too, so they fail with it, and the rest of
          // the batch starts a new transaction.
          for (PendingWrite* lost : written) lost->result = *w.error;
          written.clear();
          open = false;
          continue;
        }
        (void)run("ROLLBACK TO one_event", "undoing a refused event");
      } else {
        written.push_back(p);
      }
      (void)run("RELEASE one_event", "closing an event's savepoint");
    }
    if (open) finish(written);
  }

  // Commits the open transaction (or closes it, if nothing in it is left); if that fails, every
  // event in it fails.
  bool finish(const std::vector<PendingWrite*>& written) {
    Status committed = written.empty() ? run("ROLLBACK", "closing an empty batch") : run("COMMIT", "committing events");
    if (!committed) {
      rollback();
      for (PendingWrite* p : written) p->result = committed;
    }
    return !written.empty() && committed.ok();
  }

  // Inside an open transaction: a new session, the flows it pins and its first event.
  Written write_start(const SessionRecord& session, const std::vector<PinnedFlow>& flows, const StoredEvent& first) {
    for (const PinnedFlow& f : flows) {
      Statement flow = writes_.get("INSERT OR IGNORE INTO flows(hash, flow_id, version, source) VALUES(?,?,?,?)");
      flow.bind(1, f.hash).bind(2, f.id).bind(3, f.version).bind(4, f.source);
      if (int rc = flow.step(); rc != SQLITE_DONE) return {sqlite_error(db_, rc, "storing a flow"), true};
    }
    Statement insert = writes_.get("INSERT INTO sessions(id, flow_id, flow_version, flow_hash, created_at) VALUES(?,?,?,?,?)");
    insert.bind(1, session.id).bind(2, session.flow_id).bind(3, session.flow_version).bind(4, session.flow_hash)
        .bind(5, session.created_ms);
    if (int rc = insert.step(); rc != SQLITE_DONE) return {sqlite_error(db_, rc, "storing the session"), true};
    Statement event = writes_.get("INSERT INTO events(session_id, seq, kind, body, at) VALUES(?,?,?,?,?)");
    event.bind(1, session.id).bind(2, static_cast<std::int64_t>(first.seq)).bind(3, first.kind).bind(4, first.body)
        .bind(5, first.at_ms);
    if (int rc = event.step(); rc != SQLITE_DONE) return {sqlite_error(db_, rc, "storing the first event"), true};
    if (auto error = index(session.id, first.search)) return {error, true};
    if (!first.idempotency_key.empty()) {
      if (auto error = record_key(first.idempotency_key, session.id, 1)) return {error, true};
    }
    return {};
  }

  // Inside an open transaction: one event, its idempotency key and the agreement it writes. The
  // checks that can refuse an event come before its first write: the seq, then the key (a
  // refused INSERT leaves nothing behind).
  Written write_event(const std::string& session_id, const StoredEvent& event, const std::optional<std::string>& agreement) {
    Statement last = writes_.get("SELECT MAX(seq) FROM events WHERE session_id = ?");
    last.bind(1, session_id);
    if (int rc = last.step(); rc != SQLITE_ROW) return {sqlite_error(db_, rc, "reading the last event")};
    if (last.is_null(0)) return {make_error("unknown-session", "no session " + session_id)};
    std::int64_t current = last.integer(0);
    if (static_cast<std::int64_t>(event.seq) != current + 1)
      return {make_error("seq-conflict", "expected event " + std::to_string(current + 1) + ", got " + std::to_string(event.seq),
                         {{"seq", current}})};
    bool wrote = false;
    if (!event.idempotency_key.empty()) {
      if (auto error = record_key(event.idempotency_key, session_id, event.seq))
        return {error, error->code != "invalid-field"};  // a key used before: refused, nothing written
      wrote = true;
    }
    Statement insert = writes_.get("INSERT INTO events(session_id, seq, kind, body, at) VALUES(?,?,?,?,?)");
    insert.bind(1, session_id).bind(2, static_cast<std::int64_t>(event.seq)).bind(3, event.kind).bind(4, event.body)
        .bind(5, event.at_ms);
    if (int rc = insert.step(); rc != SQLITE_DONE) return {sqlite_error(db_, rc, "appending an event"), wrote};
    if (auto error = index(session_id, event.search)) return {error, true};
    if (agreement) {
      Statement write = writes_.get("INSERT INTO agreements(session_id, fields, created_at) VALUES(?,?,?)");
      write.bind(1, session_id).bind(2, *agreement).bind(3, event.at_ms);
      if (int rc = write.step(); rc != SQLITE_DONE) return {sqlite_error(db_, rc, "writing the agreement"), true};
    }
    return {};
  }

  // After a delete: secure_delete has zeroed the freed pages in the database; copy everything back
  // from the write-ahead log and truncate it, rebuild the file so no freed page survives, and
  // truncate the log again.
  // The search index first merges its segments: FTS5 only marks deleted rows in newer segments,
  // and the older ones would keep the deleted text's trigrams until a merge.
  Status scrub() {
    std::lock_guard no_checkpoint(checkpoint_mutex_);  // TRUNCATE needs the log to itself
    return exec("INSERT INTO search(search) VALUES('optimize'); PRAGMA wal_checkpoint(TRUNCATE); VACUUM;"
                " PRAGMA wal_checkpoint(TRUNCATE);",
                "scrubbing deleted data");
  }

  // Inside an open transaction: makes `texts` findable as part of the session (queued for the
  // index; a search moves the queue in first).
  std::optional<Error> index(const std::string& session_id, const std::vector<SearchText>& texts) {
    for (const SearchText& text : texts) {
      Statement insert = writes_.get("INSERT INTO search_queue(folded, session_id, original) VALUES(?,?,?)");
      insert.bind(1, text.folded).bind(2, session_id).bind(3, text.original);
      if (int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(db_, rc, "queueing text for search");
      ++queued_;  // may count rows rolled back later: it only says when to move the queue
    }
    return std::nullopt;
  }

  // Inside an open transaction: records which write a key belongs to.
  std::optional<Error> record_key(const std::string& key, const std::string& session_id, std::uint64_t seq) {
    Statement insert = writes_.get("INSERT INTO idempotency(key, session_id, seq) VALUES(?,?,?)");
    insert.bind(1, key).bind(2, session_id).bind(3, static_cast<std::int64_t>(seq));
    int rc = insert.step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      return make_error("invalid-field", "idempotency key used twice", {{"field", "Idempotency-Key"}});
    return sqlite_error(db_, rc, "recording an idempotency key");
  }

  static SessionRecord record(const Statement& q) {
    return SessionRecord{q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4)};
  }

  sqlite3* db_;
  StoreOptions options_;
  std::mutex mutex_;  // one connection: one statement sequence at a time
  StatementCache writes_;  // under mutex_
  std::size_t queued_ = 0;  // under mutex_: rows in search_queue (at most)
  static constexpr std::int64_t kMoveChunk = 256;
  sqlite3* reader_ = nullptr;
  std::mutex read_mutex_;
  std::optional<StatementCache> reads_;  // under read_mutex_

  static constexpr int kCheckpointPages = 1000;  // SQLite's default for automatic checkpoints
  sqlite3* checkpoints_ = nullptr;
  std::thread checkpointer_;
  std::mutex checkpoint_mutex_;  // held while a checkpoint runs
  std::mutex wal_mutex_;         // guards wal_pages_ and stopping_
  std::condition_variable wal_grew_;
  int wal_pages_ = 0;
  bool stopping_ = false;
  using Clock = std::chrono::steady_clock;
  std::atomic<Clock::time_point> last_write_{Clock::now()};

  std::mutex queue_mutex_;  // guards the five below and each PendingWrite's done
  std::vector<PendingWrite*> queue_;
  std::uint64_t next_batch_ = 0;  // the batch the writes queued now will be in
  bool committing_ = false;
  bool stop_committer_ = false;
  std::condition_variable committer_wake_;
  std::condition_variable batch_done_[2];
  std::thread committer_;
};

Status make_private_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.empty() || std::filesystem::is_directory(dir, ec)) return Ok{};
  if (auto parent = dir.parent_path(); !parent.empty() && parent != dir) {
    if (auto ok = make_private_directory(parent); !ok) return ok;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error("internal", "cannot create the data directory " + dir.string() + ": " + std::strerror(errno));
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<SessionStore>> open_sqlite_store(const std::string& path, StoreOptions options) {
  std::filesystem::path file(path);
  if (auto ok = make_private_directory(file.parent_path()); !ok) return ok.error();
  // Create the file ourselves so it is private from the first byte; SQLite gives its -wal and
  // -shm files the same permissions.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("internal", "cannot open " + path + ": " + std::strerror(errno));
  ::close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return e;
  }
  auto store = std::make_unique<SqliteStore>(db, options);
  if (auto ok = store->configure(); !ok) return ok.error();
  if (auto ok = store->open_reader(path); !ok) return ok.error();
  if (auto ok = store->start_checkpointer(path); !ok) return ok.error();
  if (auto ok = store->start_committer(); !ok) return ok.error();
  return std::unique_ptr<SessionStore>(std::move(store));
}

}  // namespace tandem
