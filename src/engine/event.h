// Events: the append-only log of a session. Everything a partner does is one event.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/partner.h"
#include "core/result.h"
#include "core/value.h"

namespace tandem {

enum class EventKind { Start, Input, Pause, Resume, Stop };

struct Event {
  EventKind kind = EventKind::Input;
  Partner by = Partner::A;              // Input, Pause, Resume, Stop
  std::string step;                     // Input: the step id it answers (guards against stale UIs)
  Value value;                          // Input
  std::array<PartnerInfo, 2> partners;  // Start
  Args params;                          // Start: the assignment's parameters (defaults filled in)
  Args agreement;                       // Start: the couple's agreement fields when it began
  std::int64_t agreement_version = 0;   // Start: its version (0: none yet)
  std::map<std::string, std::string> flows;  // Start: hashes of the flows it may call, by id
  std::int64_t at_ms = 0;               // when it was committed

  static Event start(std::array<PartnerInfo, 2> partners) {
    Event e;
    e.kind = EventKind::Start;
    e.partners = std::move(partners);
    return e;
  }
  static Event input(Partner by, std::string step, Value value) {
    Event e;
    e.kind = EventKind::Input;
    e.by = by;
    e.step = std::move(step);
    e.value = std::move(value);
    return e;
  }
  static Event control(EventKind kind, Partner by) {
    Event e;
    e.kind = kind;
    e.by = by;
    return e;
  }
};

std::string_view to_string(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view s);

// The event body as stored in the log (the kind and time are stored beside it).
nlohmann::json event_body_to_json(const Event& event);
Result<Event> event_from_json(std::string_view kind, const nlohmann::json& body, std::int64_t at_ms);

}  // namespace tandem
