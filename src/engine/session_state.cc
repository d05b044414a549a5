#include "engine/session_state.h"

#include "engine/value_json.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tandem {

using nlohmann::json;

std::string_view to_string(SessionStatus status) {
  switch (status) {
    case SessionStatus::Active: return "active";
    case SessionStatus::Paused: return "paused";
    case SessionStatus::Completed: return "completed";
    case SessionStatus::Stopped: return "stopped";
  }
  return "";
}

namespace {

SessionStatus parse_status(const std::string& s) {
  for (auto st : {SessionStatus::Active, SessionStatus::Paused, SessionStatus::Completed, SessionStatus::Stopped})
    if (to_string(st) == s) return st;
  throw std::runtime_error("unknown status \"" + s + "\"");
}

Partner partner_of(const json& j) {
  auto p = parse_partner(j.get<std::string>());
  if (!p) throw std::runtime_error("unknown partner");
  return *p;
}

json partner_set(const std::set<Partner>& set) {
  json out = json::array();
  for (Partner p : set) out.push_back(to_string(p));
  return out;
}

}  // namespace

json state_to_json(const SessionState& s) {
  json calls = json::array();
  for (const auto& c : s.calls) calls.push_back({{"flow", c.flow}, {"step", c.step}});
  json j = {
      {"version", kStateVersion},
      {"seq", s.seq},
      {"status", to_string(s.status)},
      {"partners", json::array({{{"name", s.partners[0].name}, {"locale", s.partners[0].locale}},
                                {{"name", s.partners[1].name}, {"locale", s.partners[1].locale}}})},
      {"flow", s.flow},
      {"calls", calls},
      {"step", s.step},
      {"phase", static_cast<int>(s.phase)},
      {"round", s.round},
      {"speaker", to_string(s.speaker)},
      {"vars", args_to_json(s.vars)},
      {"answered", partner_set(s.answered)},
      {"ready", partner_set(s.ready)},
      {"paused_by", s.paused_by ? json(to_string(*s.paused_by)) : json()},
      {"stopped_by", s.stopped_by ? json(to_string(*s.stopped_by)) : json()},
      {"declined", s.declined},
      {"tentative_by", s.tentative_by ? json(to_string(*s.tentative_by)) : json()},
      {"tentative_proposal", s.tentative_proposal},
      {"checkin", s.checkin},
      {"checked_in", s.checked_in},
      {"agreement", args_to_json(s.agreement)},
  };
  return j;
}

SessionState state_from_json(const json& j) {
  if (j.at("version").get<int>() != kStateVersion)
    throw std::runtime_error("state version " + j.at("version").dump() + " is not supported");
  SessionState s;
  s.seq = j.at("seq").get<std::uint64_t>();
  s.status = parse_status(j.at("status").get<std::string>());
  for (int i = 0; i < 2; ++i) {
    s.partners[i].name = j.at("partners").at(i).at("name").get<std::string>();
    s.partners[i].locale = j.at("partners").at(i).at("locale").get<std::string>();
  }
  s.flow = j.at("flow").get<std::string>();
  for (const auto& c : j.at("calls")) s.calls.push_back(ReturnPoint{c.at("flow").get<std::string>(), c.at("step").get<std::size_t>()});
  s.step = j.at("step").get<std::size_t>();
  s.phase = static_cast<ReflectPhase>(j.at("phase").get<int>());
  s.round = j.at("round").get<int>();
  s.speaker = partner_of(j.at("speaker"));
  auto vars = args_from_json(j.at("vars"));
  auto agreement = args_from_json(j.at("agreement"));
  if (!vars || !agreement) throw std::runtime_error("damaged variables");
  s.vars = std::move(*vars);
  s.agreement = std::move(*agreement);
  for (const auto& p : j.at("answered")) s.answered.insert(partner_of(p));
  for (const auto& p : j.at("ready")) s.ready.insert(partner_of(p));
  if (!j.at("paused_by").is_null()) s.paused_by = partner_of(j.at("paused_by"));
  if (!j.at("stopped_by").is_null()) s.stopped_by = partner_of(j.at("stopped_by"));
  s.declined = j.at("declined").get<List>();
  if (!j.at("tentative_by").is_null()) s.tentative_by = partner_of(j.at("tentative_by"));
  s.tentative_proposal = j.at("tentative_proposal").get<std::string>();
  s.checkin = j.at("checkin").get<bool>();
  s.checked_in = j.at("checked_in").get<bool>();
  return s;
}

}  // namespace tandem
