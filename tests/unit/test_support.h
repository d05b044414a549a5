// Shared by the tests: the real flows and catalogs, loaded the way `tandem serve` loads them.
#pragma once

#include <memory>
#include <string>

#include <optional>
#include <vector>

#include "app/session_service.h"
#include "cli/wiring.h"
#include "engine/engine.h"
#include "i18n/locales.h"

namespace tandem::testing {

// The embedded flows and catalogs (what the binary ships), loaded once.
Resources& shipped();
const LocaleNegotiator& shipped_locales();
FlowPtr shipped_flow(const std::string& id);
// A shipped flow with every shipped flow it may call.
FlowSet shipped_flow_set(const std::string& id);

// Parses a flow that the test expects to be valid.
FlowPtr flow_from(const std::string& json_text);

// Drives one session through the engine and keeps its log. With `round_trip`, the state is
// serialized and reloaded after every event, so every test also proves that any step survives a
// restart.
class SessionDriver {
 public:
  SessionDriver(FlowSet flows, bool round_trip,
                Event start = Event::start({PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "es"}}));

  Result<Outcome> send(const Event& event);
  void send_ok(const Event& event);             // fails the test if the event is refused
  void answer(Partner partner, Value value) { send_ok(Event::input(partner, "", std::move(value))); }
  std::string refused(const Event& event);      // the error code, or "accepted"
  std::string refused(Partner partner, Value value) { return refused(Event::input(partner, "", std::move(value))); }

  std::string step() const { return current_step_id(flows_, state_); }
  std::string asked() const;                    // who is asked now: "a", "b", "ab" or ""
  std::vector<Awaited> awaiting() const { return tandem::awaiting(flows_, state_); }
  const Entry& last_input() const;
  std::string last_key(std::size_t back = 0) const;  // message key of an entry, counted from the end
  bool said(const std::string& message_id) const;
  void check_replay() const;                    // replaying the log gives the same state and entries

  const FlowSet& flows() const { return flows_; }
  const SessionState& state() const { return state_; }
  const std::vector<Event>& log() const { return log_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Args>& agreement() const { return agreement_; }

 private:
  FlowSet flows_;
  bool round_trip_;
  SessionState state_;
  std::vector<Event> log_;
  std::vector<Entry> entries_;
  std::optional<Args> agreement_;
};

// A partner's typed answer as SessionService takes it.
Mutation typed(Partner partner, const std::string& text, const std::string& idempotency_key = "");

// A fresh temporary directory, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path);

}  // namespace tandem::testing
