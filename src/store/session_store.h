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

struct StoredEvent {
  std::uint64_t seq = 0;  // 1, 2, 3… within a session
  std::string kind;
  std::string body;       // JSON
  std::int64_t at_ms = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Creates a session with its first event (seq 1) and pins the flow source by hash, in one
  // transaction. Returns after the commit.
  virtual Status create_session(const SessionRecord& session, const std::string& flow_source,
                                const StoredEvent& first) = 0;
  virtual Result<std::optional<SessionRecord>> find_session(const std::string& id) = 0;
  virtual Result<std::vector<SessionRecord>> list_sessions() = 0;
  // The pinned source of a flow version; unknown-flow if it was never stored.
  virtual Result<std::string> flow_source(const std::string& hash) = 0;
  virtual Result<std::vector<StoredEvent>> events(const std::string& session_id) = 0;
  // Appends `event`, whose seq must be one more than the session's last; otherwise seq-conflict
  // and nothing is written. Returns only after the event is committed.
  virtual Status append(const std::string& session_id, const StoredEvent& event) = 0;
};

// Opens (creating if needed) the database at `path`: WAL, synchronous=FULL, secure_delete,
// foreign keys, migrations by user_version. The directory is created 0700 and the file 0600.
Result<std::unique_ptr<SessionStore>> open_sqlite_store(const std::string& path);

std::unique_ptr<SessionStore> make_memory_store();

}  // namespace tandem
