// SessionState: the small, serializable state of one running session. It is a deterministic fold
// over the session's event log (engine.h); nothing else ever changes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/partner.h"
#include "core/value.h"

namespace tandem {

// Version of the serialized state below. Policy (docs/design.md): a change that adds a field with
// a default keeps the version; anything else bumps it, and state of an older version is rebuilt
// by replaying the event log, which is always possible.
inline constexpr int kStateVersion = 1;

enum class SessionStatus { Active, Paused, Completed, Stopped };

// Sub-phase of a reflective-listening step.
enum class ReflectPhase { Mirror, Check, Clarify };

// Where to come back to after a called flow ends.
struct ReturnPoint {
  std::string flow;  // "" for the root flow
  std::size_t step = 0;
  bool operator==(const ReturnPoint&) const = default;
};

struct SessionState {
  std::uint64_t seq = 0;                 // events applied so far
  SessionStatus status = SessionStatus::Active;
  std::array<PartnerInfo, 2> partners;
  std::string flow;                      // the flow being walked: "" for the root, else a called one
  std::vector<ReturnPoint> calls;        // call stack
  std::size_t step = 0;                  // index into that flow's steps
  ReflectPhase phase = ReflectPhase::Mirror;
  int round = 0;                         // reflect: mirrors made in the current step
  Partner speaker = Partner::A;
  Args vars;                             // captured values, plus "swaps" (roles swapped so far)
  std::set<Partner> answered;            // who has answered the current question for both
  std::set<Partner> ready;               // while paused: who is ready to continue
  std::optional<Partner> paused_by;
  std::optional<Partner> stopped_by;

  // Consent (DESIGN.md invariants 3 and 4).
  List declined;                         // proposals set aside after a soft no, never asked again
  std::optional<Partner> tentative_by;   // who gave a tentative yes, if one is open
  std::string tentative_proposal;
  bool checkin = false;                  // checking in with tentative_by before an escalating step
  bool checked_in = false;               // that check-in was passed; the step may run

  Args agreement;                        // the couple's agreement fields as this session sees them

  Partner listener() const { return other(speaker); }
  const PartnerInfo& info(Partner p) const { return partners[index_of(p)]; }
  bool ended() const { return status == SessionStatus::Completed || status == SessionStatus::Stopped; }
  bool operator==(const SessionState&) const = default;
};

std::string_view to_string(SessionStatus status);

nlohmann::json state_to_json(const SessionState& state);
// Throws nlohmann::json::exception on malformed input (state is only ever written by us).
SessionState state_from_json(const nlohmann::json& j);

}  // namespace tandem
