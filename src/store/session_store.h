// Durable storage of sessions: each one an append-only event log, plus the exact flow source it
// started with. SqliteStore is the real one; MemoryStore is the fake for tests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace tandem {

struct SessionRecord {
  std::string id;
  std::string flow_id;
  std::string flow_version;
  std::string flow_hash;
  std::int64_t created_ms = 0;
};

// The exact text of one flow version, kept so sessions that started with it can continue.
struct PinnedFlow {
  std::string hash;
  std::string id;
  std::string version;
  std::string source;
};

// One version of the couple's agreement: every field, as JSON text.
struct AgreementVersion {
  std::int64_t version = 0;  // 1, 2, 3…
  std::string session_id;    // the session that wrote it
  std::string fields;        // JSON object
  std::int64_t created_ms = 0;
};

// Text a search can find: what a person typed (or a name), and the same text folded for
// matching (case, accents and width removed; see search_fold in i18n/text.h).
struct SearchText {
  std::string folded;
  std::string original;
};

// A search result: one piece of text of one session.
struct SearchHit {
  std::string session_id;
  std::string original;
};

struct StoredEvent {
  std::uint64_t seq = 0;  // 1, 2, 3… within a session
  std::string kind;
  std::string body;       // JSON
  std::int64_t at_ms = 0;
  std::string idempotency_key;  // the client's key for the request that made it ("" for none)
  std::vector<SearchText> search = {};  // queued for the index in the same transaction (never private answers)
};

// Where a request with an idempotency key was committed, so a retry answers without writing.
struct IdempotentWrite {
  std::string session_id;
  std::uint64_t seq = 0;
};

// Options for the SQLite store.
struct StoreOptions {
  std::int64_t max_pages = 0;  // a size limit in database pages (0: none); past it writes fail as storage-full
  // Searchable text is written with its event into a queue, and moved into the full-text index
  // in bulk: always before a search, once writes have paused this long, and with the next commit
  // once this many rows wait.
  int search_idle_ms = 1000;
  std::size_t search_queue_max = 20000;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Creates a session with its first event (seq 1) and pins the sources of its flow and every
  // flow it may call, in one transaction. Returns after the commit.
  virtual Status create_session(const SessionRecord& session, const std::vector<PinnedFlow>& flows,
                                const StoredEvent& first) = 0;
  virtual Result<std::optional<SessionRecord>> find_session(const std::string& id) = 0;
  virtual Result<std::vector<SessionRecord>> list_sessions() = 0;
  // The pinned source of a flow version; unknown-flow if it was never stored.
  virtual Result<std::string> flow_source(const std::string& hash) = 0;
  virtual Result<std::vector<StoredEvent>> events(const std::string& session_id) = 0;
  // Appends `event`, whose seq must be one more than the session's last; otherwise seq-conflict
  // and nothing is written. With `agreement` (all fields, JSON), the event also writes the next
  // agreement version, in the same transaction. Returns only after the commit.
  virtual Status append(const std::string& session_id, const StoredEvent& event,
                        const std::optional<std::string>& agreement = std::nullopt) = 0;

  // Every version of the agreement, oldest first (empty when there is none yet).
  virtual Result<std::vector<AgreementVersion>> agreements() = 0;

  // Deletes one session for real: its events, keys and everything it said, then overwrites what
  // was freed and empties the write-ahead log, so the words are nowhere in the files afterwards.
  // Agreement versions it wrote stay (they are the couple's agreement), without the link to it.
  virtual Status delete_session(const std::string& id) = 0;
  // Deletes every session and every agreement version, the same way.
  virtual Status delete_everything() = 0;

  // Sessions whose text contains `folded` (already folded), in no particular order. Every
  // script works: three characters or more use the trigram index, shorter ones a scan.
  virtual Result<std::vector<SearchHit>> search(const std::string& folded) = 0;
  // Replaces everything indexed for a session (rebuilding the index after folding changes).
  virtual Status reindex(const std::string& session_id, const std::vector<SearchText>& texts) = 0;

  // Small named settings (the retention period, the search index version); nullopt if unset.
  virtual Result<std::optional<std::string>> setting(const std::string& key) = 0;
  virtual Status put_setting(const std::string& key, const std::optional<std::string>& value) = 0;
  // Sessions whose last event is older than `before_ms`.
  virtual Result<std::vector<std::string>> idle_sessions(std::int64_t before_ms) = 0;
  // Deletes several sessions for real, scrubbing once (see delete_session).
  virtual Status delete_sessions(const std::vector<std::string>& ids) = 0;

  // The write an idempotency key was committed with, if any. Keys are recorded in the same
  // transaction as the session or event they belong to; a key used twice is refused.
  virtual Result<std::optional<IdempotentWrite>> find_idempotent(const std::string& key) = 0;
};

// Opens (creating if needed) the database at `path`: WAL, synchronous=FULL, secure_delete,
// foreign keys, migrations by user_version. The directory is created 0700 and the file 0600.
Result<std::unique_ptr<SessionStore>> open_sqlite_store(const std::string& path, StoreOptions options = {});

std::unique_ptr<SessionStore> make_memory_store();

}  // namespace tandem
