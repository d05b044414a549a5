// Events: the append-only log of a session. Everything a partner does is one event.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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
