#include <map>
#include <mutex>

#include "store/session_store.h"

namespace tandem {
namespace {

class MemoryStore final : public SessionStore {
 public:
  Status create_session(const SessionRecord& session, const std::vector<PinnedFlow>& flows, const StoredEvent& first) override {
    std::lock_guard lock(mutex_);
    if (sessions_.count(session.id)) return make_error("internal", "session " + session.id + " already exists");
    for (const auto& f : flows) flows_.emplace(f.hash, f.source);
    if (!first.idempotency_key.empty() && keys_.count(first.idempotency_key))
      return make_error("invalid-field", "idempotency key used twice", {{"field", "Idempotency-Key"}});
    sessions_[session.id] = session;
    events_[session.id] = {first};
    for (const auto& text : first.search) search_.push_back({session.id, text});
    if (!first.idempotency_key.empty()) keys_[first.idempotency_key] = {session.id, 1};
    return Ok{};
  }
  Result<std::optional<SessionRecord>> find_session(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(it->second);
  }
  Result<std::vector<SessionRecord>> list_sessions() override {
    std::lock_guard lock(mutex_);
    std::vector<SessionRecord> out;
    for (const auto& [id, s] : sessions_) out.push_back(s);
    return out;
  }
  Result<std::string> flow_source(const std::string& hash) override {
    std::lock_guard lock(mutex_);
    auto it = flows_.find(hash);
    if (it == flows_.end()) return make_error("unknown-flow", "no flow with hash " + hash);
    return it->second;
  }
  Result<std::vector<StoredEvent>> events(const std::string& session_id) override {
    std::lock_guard lock(mutex_);
    auto it = events_.find(session_id);
    if (it == events_.end()) return std::vector<StoredEvent>();
    return it->second;
  }
  Status delete_session(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (!sessions_.erase(id)) return make_error("unknown-session", "no session " + id);
    events_.erase(id);
    std::erase_if(search_, [&](const auto& entry) { return entry.first == id; });
    std::erase_if(keys_, [&](const auto& entry) { return entry.second.session_id == id; });
    for (auto& version : agreements_)
      if (version.session_id == id) version.session_id.clear();
    return Ok{};
  }
  Status delete_everything() override {
    std::lock_guard lock(mutex_);
    sessions_.clear();
    search_.clear();
    events_.clear();
    keys_.clear();
    agreements_.clear();
    return Ok{};
  }
  Status delete_sessions(const std::vector<std::string>& ids) override {
    for (const std::string& id : ids)
      if (auto ok = delete_session(id); !ok) return ok;
    return Ok{};
  }
  Result<std::vector<SearchHit>> search(const std::string& folded) override {
    std::lock_guard lock(mutex_);
    std::vector<SearchHit> out;
    for (const auto& [id, text] : search_)
      if (text.folded.find(folded) != std::string::npos) out.push_back(SearchHit{id, text.original});
    return out;
  }
  Status reindex(const std::string& session_id, const std::vector<SearchText>& texts) override {
    std::lock_guard lock(mutex_);
    std::erase_if(search_, [&](const auto& entry) { return entry.first == session_id; });
    for (const auto& text : texts) search_.push_back({session_id, text});
    return Ok{};
  }
  Result<std::optional<std::string>> setting(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = settings_.find(key);
    return it == settings_.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
  }
  Status put_setting(const std::string& key, const std::optional<std::string>& value) override {
    std::lock_guard lock(mutex_);
    if (value) settings_[key] = *value;
    else settings_.erase(key);
    return Ok{};
  }
  Result<std::vector<std::string>> idle_sessions(std::int64_t before_ms) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [id, events] : events_)
      if (!events.empty() && events.back().at_ms < before_ms) out.push_back(id);
    return out;
  }
  Result<std::optional<IdempotentWrite>> find_idempotent(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(key);
    if (it == keys_.end()) return std::optional<IdempotentWrite>();
    return std::optional<IdempotentWrite>(it->second);
  }
  Result<std::vector<AgreementVersion>> agreements() override {
    std::lock_guard lock(mutex_);
    return agreements_;
  }
  Status append(const std::string& session_id, const StoredEvent& event, const std::optional<std::string>& agreement) override {
    std::lock_guard lock(mutex_);
    auto it = events_.find(session_id);
    if (it == events_.end()) return make_error("unknown-session", "no session " + session_id);
    if (event.seq != it->second.size() + 1)
      return make_error("seq-conflict", "expected event " + std::to_string(it->second.size() + 1) + ", got " +
                                            std::to_string(event.seq),
                        {{"seq", static_cast<std::int64_t>(it->second.size())}});
    if (!event.idempotency_key.empty() && keys_.count(event.idempotency_key))
      return make_error("invalid-field", "idempotency key used twice", {{"field", "Idempotency-Key"}});
    it->second.push_back(event);
    for (const auto& text : event.search) search_.push_back({session_id, text});
    if (!event.idempotency_key.empty()) keys_[event.idempotency_key] = {session_id, event.seq};
    if (agreement)
      agreements_.push_back(AgreementVersion{static_cast<std::int64_t>(agreements_.size()) + 1, session_id, *agreement, event.at_ms});
    return Ok{};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, SessionRecord> sessions_;
  std::map<std::string, std::string> flows_;
  std::map<std::string, std::vector<StoredEvent>> events_;
  std::vector<AgreementVersion> agreements_;
  std::map<std::string, IdempotentWrite> keys_;
  std::vector<std::pair<std::string, SearchText>> search_;
  std::map<std::string, std::string> settings_;
};

}  // namespace

std::unique_ptr<SessionStore> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace tandem
