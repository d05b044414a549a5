#include "engine/event.h"

#include <nlohmann/json.hpp>

#include "engine/value_json.h"

namespace tandem {

using nlohmann::json;

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Start: return "start";
    case EventKind::Input: return "input";
    case EventKind::Pause: return "pause";
    case EventKind::Resume: return "resume";
    case EventKind::Stop: return "stop";
  }
  return "";
}

std::optional<EventKind> parse_event_kind(std::string_view s) {
  for (EventKind k : {EventKind::Start, EventKind::Input, EventKind::Pause, EventKind::Resume, EventKind::Stop})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

json event_body_to_json(const Event& e) {
  json body = json::object();
  switch (e.kind) {
    case EventKind::Start:
      body["partners"] = json::array();
      for (const auto& p : e.partners) body["partners"].push_back({{"name", p.name}, {"locale", p.locale}});
      if (!e.params.empty()) body["params"] = args_to_json(e.params);
      if (e.agreement_version != 0) {
        body["agreement"] = args_to_json(e.agreement);
        body["agreement_version"] = e.agreement_version;
      }
      if (!e.flows.empty()) body["flows"] = e.flows;
      break;
    case EventKind::Input:
      body["by"] = to_string(e.by);
      body["step"] = e.step;
      body["value"] = value_to_json(e.value);
      break;
    default:
      body["by"] = to_string(e.by);
  }
  return body;
}

Result<Event> event_from_json(std::string_view kind_name, const json& body, std::int64_t at_ms) {
  auto kind = parse_event_kind(kind_name);
  auto bad = [&](const std::string& why) {
    return make_error("internal", "stored event \"" + std::string(kind_name) + "\" is damaged: " + why);
  };
  if (!kind) return bad("unknown kind");
  if (!body.is_object()) return bad("body is not an object");
  Event e;
  e.kind = *kind;
  e.at_ms = at_ms;
  if (e.kind == EventKind::Start) {
    const auto& partners = body.value("partners", json());
    if (!partners.is_array() || partners.size() != 2) return bad("needs two partners");
    for (int i = 0; i < 2; ++i) {
      const auto& p = partners[i];
      if (!p.is_object() || !p.value("name", json()).is_string() || !p.value("locale", json()).is_string())
        return bad("partner without name or locale");
      e.partners[i] = PartnerInfo{p["name"].get<std::string>(), p["locale"].get<std::string>()};
    }
    auto params = args_from_json(body.value("params", json::object()));
    auto agreement = args_from_json(body.value("agreement", json::object()));
    auto version = body.value("agreement_version", json(0));
    auto flows = body.value("flows", json::object());
    if (!params || !agreement || !version.is_number_integer() || !flows.is_object()) return bad("damaged start");
    e.params = std::move(*params);
    e.agreement = std::move(*agreement);
    e.agreement_version = version.get<std::int64_t>();
    for (const auto& [id, hash] : flows.items()) {
      if (!hash.is_string()) return bad("damaged start");
      e.flows[id] = hash.get<std::string>();
    }
    return e;
  }
  auto by = body.value("by", json());
  auto partner = by.is_string() ? parse_partner(by.get<std::string>()) : std::nullopt;
  if (!partner) return bad("no partner");
  e.by = *partner;
  if (e.kind == EventKind::Input) {
    auto value = value_from_json(body.value("value", json()));
    if (!value || !body.value("step", json()).is_string()) return bad("input without step or value");
    e.value = *value;
    e.step = body["step"].get<std::string>();
  }
  return e;
}

}  // namespace tandem
