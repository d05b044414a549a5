// Use cases of a session: start, view, answer, pause, resume, stop, transcript. Owns the live
// sessions (a cache over the store: any session can be rebuilt from its log at any time) and makes
// sure a turn is acknowledged only after its event is committed.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/flow_library.h"
#include "core/clock.h"
#include "core/result.h"
#include "engine/engine.h"
#include "i18n/catalog.h"
#include "i18n/locales.h"
#include "store/session_store.h"

namespace tandem {
enum class TranscriptFormat;
}

namespace tandem {

struct Limits {
  std::size_t answer_graphemes = 2000;
  std::size_t name_graphemes = 40;
  // Sessions kept in memory; past this, the one used longest ago (and not in use) is let go and
  // rebuilt from its log when it is next needed. Finished sessions (about 40 kB each, and rarely
  // opened again) go first, and at most `cached_ended` of them are kept.
  std::size_t cached_sessions = 1000;
  std::size_t cached_ended = 100;
};

// The catalog holding each locale's feelings vocabulary (locales/<locale>/feelings.arb).
inline constexpr const char* kFeelingsCatalog = "feelings";

// One session as held in memory: the pinned flows, the folded state and everything it said.
struct LiveSession {
  std::mutex mutex;  // serializes mutations of this session
  std::uint64_t last_used = 0;  // under SessionService::sessions_mutex_: when the cache last handed it out
  SessionRecord record;
  FlowSet flows;
  SessionState state;
  std::vector<Entry> entries;
  std::vector<std::int64_t> event_times;  // at_ms of event seq i+1
};

struct NewSession {
  std::string flow;
  std::array<PartnerInfo, 2> partners;  // names as typed, locales as asked (negotiated here)
  Args params;                          // the assignment's parameters; defaults fill the rest
  std::string idempotency_key;          // a retry with the same key answers without starting another
};

enum class Command { Input, Pause, Resume, Stop };

struct Mutation {
  Command command = Command::Input;
  Partner partner = Partner::A;
  Value value;                          // Input
  std::optional<std::uint64_t> seq;     // the seq the caller last saw, if it sent one
  std::optional<std::uint64_t> after;   // the caller holds the thread up to this event: answer with what follows
  // Shared device: when the turn passes to the other partner, the answer also carries their view
  // as `next`, its thread after this event (0: all of it). The caller must be allowed to read it.
  std::optional<std::uint64_t> next_after;
  std::string idempotency_key;          // a retry with the same key answers without writing again
};

class SessionService {
 public:
  SessionService(FlowLibrary& flows, const Catalogs& catalogs, const LocaleNegotiator& locales, SessionStore& store,
                 Clock& clock, Limits limits = {});

  nlohmann::json list_flows(const std::string& locale) const;
  nlohmann::json list_locales(const std::string& suggested) const;
  nlohmann::json ui_strings(const std::string& locale) const;

  // Returns the view for partner a.
  Result<nlohmann::json> create(const NewSession& request);
  // `locale` empty: the viewer's own locale. `after`: only the thread entries of later events
  // (the caller holds the rest); it may not be beyond the session's seq.
  Result<nlohmann::json> view(const std::string& id, Partner viewer, const std::string& locale,
                              std::optional<std::uint64_t> after = std::nullopt);
  // Applies and commits one mutation; returns the view for its partner (with `next`, see Mutation).
  Result<nlohmann::json> mutate(const std::string& id, const Mutation& mutation);
  // The transcript for a reader: `viewer` sees their own private answers; without a viewer no
  // private answer is included.
  // `time_zone` (IANA, e.g. "Europe/Madrid") is the reader's; empty means the machine's.
  Result<nlohmann::json> transcript(const std::string& id, const std::string& locale, std::optional<Partner> viewer,
                                    const std::string& time_zone = "");
  Result<std::string> transcript_document(const std::string& id, const std::string& locale, std::optional<Partner> viewer,
                                          const std::string& time_zone, TranscriptFormat format);
  // Deletes a session for real (see SessionStore::delete_session), or everything.
  Status delete_session(const std::string& id);
  Status delete_everything();

  // Every session, newest first, for a history screen: flow, names, when, status. With a
  // `query`, only sessions whose typed answers or names contain it (folded: case, accents and
  // width do not matter), each with up to three `matches`. Private answers are never indexed.
  Result<nlohmann::json> list_sessions(const std::string& locale, const std::string& time_zone, const std::string& query = "");
  // Rebuilds the search index if it was built with another folding (or never): on start-up.
  Status update_search_index();

  // Server-side settings: {"retention_days": null | 1…3650}.
  Result<nlohmann::json> settings();
  // Sets (or clears) the retention period, then purges what it makes too old.
  Result<nlohmann::json> set_retention(std::optional<int> days);
  // Deletes, for real, every session idle for longer than the retention period (if one is
  // set). Returns how many went.
  Result<std::size_t> purge_expired();
  // The couple's agreement: the current fields and every earlier version.
  Result<nlohmann::json> agreement(const std::string& locale);

  // The locale a partner chose, if the session exists.
  std::optional<std::string> partner_locale(const std::string& id, Partner partner);
  // A user interface text (ui catalog) in `locale`.
  std::string ui_text(const std::string& locale, const std::string& key, const Args& args = {}) const;
  // Localized, complete sentence for an error (never a raw key).
  std::string error_detail(const Error& error, const std::string& locale) const;

  const LocaleNegotiator& locales() const { return locales_; }
  // How many sessions are held in memory now.
  std::size_t cached_sessions();

  // Live updates: a counter that moves with every committed change to any session. Waits until
  // it differs from `seen` (or `timeout` passes, or wake_all) and returns its value.
  std::uint64_t wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout);
  std::uint64_t changes();
  // Wakes every waiter (the server is stopping).
  void wake_all();

 private:
  Result<std::shared_ptr<LiveSession>> live(const std::string& id);
  Result<Value> clean_value(const LiveSession& session, const Mutation& mutation) const;
  Status check_after(const LiveSession& session, std::optional<std::uint64_t> after, const char* field = "after") const;
  // The answer to a mutation: its partner's view, and `next` when it asked and the turn passed.
  nlohmann::json answer(const LiveSession& session, const Mutation& mutation) const;
  // The flow with every flow it calls (current versions), for a new session.
  Result<FlowSet> flow_set(const std::string& id) const;

  FlowLibrary& flows_;
  const Catalogs& catalogs_;
  const LocaleNegotiator& locales_;
  SessionStore& store_;
  Clock& clock_;
  Limits limits_;

  void changed();

  std::mutex changes_mutex_;
  std::condition_variable changes_cv_;
  std::uint64_t changes_ = 0;

  // Under sessions_mutex_: hands out a cached session, marking it used.
  std::shared_ptr<LiveSession> use(const std::shared_ptr<LiveSession>& session);
  // Under sessions_mutex_: adds a session (or returns the copy already there), then lets the
  // least recently used ones nobody holds go, down to the limit.
  std::shared_ptr<LiveSession> keep(const std::shared_ptr<LiveSession>& session);

  // What the history list shows of a session, kept for every session seen since start (some
  // hundred bytes each), so listing sessions never rebuilds the ones the cache let go.
  struct Summary {
    std::string title;  // the flow's title key (in the flow's catalog)
    std::array<std::string, 2> names;
    SessionStatus status = SessionStatus::Active;
  };
  static Summary summary_of(const LiveSession& session);

  std::mutex sessions_mutex_;
  std::map<std::string, std::shared_ptr<LiveSession>> sessions_;
  std::map<std::string, Summary> summaries_;  // under sessions_mutex_
  std::uint64_t uses_ = 0;   // under sessions_mutex_: a clock for last_used
  std::mutex loading_mutex_;  // one rebuild from the log at a time (see live())
};

}  // namespace tandem
