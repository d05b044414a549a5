#include "app/views.h"

#include "core/ids.h"
#include "i18n/locales.h"

namespace tandem {

using nlohmann::json;

namespace {

std::string render(const MessageRef& m, const std::string& locale, const Catalogs& catalogs) {
  return catalogs.render(locale, m.catalog, m.key, m.args);
}

json partners_json(const SessionState& s) {
  json out = json::object();
  for (Partner p : kPartners) out[std::string(to_string(p))] = {{"name", s.info(p).name}, {"locale", s.info(p).locale}};
  return out;
}

json input_json(const Awaited& a, const std::string& locale, const Catalogs& catalogs, std::size_t max_length) {
  json out = {{"step", a.step}, {"type", to_string(a.input.type)}, {"prompt", render(a.input.prompt, locale, catalogs)}};
  switch (a.input.type) {
    case InputType::Text:
      out["max_length"] = max_length;
      break;
    case InputType::Choice:
      out["options"] = json::array();
      for (const auto& [value, label] : a.input.options)
        out["options"].push_back({{"value", value}, {"label", render(label, locale, catalogs)}});
      break;
    case InputType::Scale:
      out["min"] = a.input.min;
      out["max"] = a.input.max;
      out["low"] = a.input.low ? render(*a.input.low, locale, catalogs) : "";
      out["high"] = a.input.high ? render(*a.input.high, locale, catalogs) : "";
      break;
  }
  return out;
}

std::string_view entry_kind(EntryKind kind) {
  switch (kind) {
    case EntryKind::Guide: return "guide";
    case EntryKind::Input: return "input";
    case EntryKind::Event: return "event";
  }
  return "";
}

}  // namespace

json args_to_json(const Args& args) {
  json out = json::object();
  for (const auto& [name, value] : args) {
    if (is_text(value)) out[name] = std::get<std::string>(value);
    else out[name] = std::get<std::int64_t>(value);
  }
  return out;
}

std::string entry_text(const Entry& entry, const std::string& locale, const Catalogs& catalogs) {
  if (entry.kind == EntryKind::Input && !entry.message) return value_to_string(*entry.value);
  return entry.message ? render(*entry.message, locale, catalogs) : std::string();
}

json render_view(const LiveSession& session, Partner viewer, const std::string& locale, const Catalogs& catalogs) {
  const SessionState& s = session.state;
  const Flow& flow = *session.flow;
  json thread = json::array();
  for (const Entry& e : session.entries) {
    json item = {{"seq", e.seq}, {"kind", entry_kind(e.kind)}, {"step", e.step},
                 {"message", e.message ? json(e.message->id()) : json()}, {"text", entry_text(e, locale, catalogs)}};
    if (e.kind == EntryKind::Guide) item["to"] = to_string(e.to);
    if (e.by) item["by"] = to_string(*e.by);
    if (e.kind == EntryKind::Event) item["event"] = e.event;
    thread.push_back(std::move(item));
  }
  json awaited = json::array();
  json input;  // null unless this viewer is asked something
  for (const Awaited& a : awaiting(flow, s)) {
    awaited.push_back(to_string(a.partner));
    if (a.partner == viewer) input = input_json(a, locale, catalogs, 2000);
  }
  json pause;
  if (s.status == SessionStatus::Paused) {
    json ready = json::array();
    for (Partner p : s.ready) ready.push_back(to_string(p));
    pause = {{"by", s.paused_by ? json(to_string(*s.paused_by)) : json()},
             {"ready", ready},
             {"grounding", catalogs.render(locale, kUiCatalog, "engine.grounding", {})}};
  }
  auto swaps = s.vars.find("swaps");
  std::int64_t round = 1 + (swaps == s.vars.end() ? 0 : std::get<std::int64_t>(swaps->second));
  return {
      {"id", session.record.id},
      {"flow", {{"id", flow.id}, {"version", flow.version}, {"title", catalogs.render(locale, flow.id, flow.title, {})}}},
      {"seq", s.seq},
      {"status", to_string(s.status)},
      {"viewer", to_string(viewer)},
      {"locale", locale},
      {"dir", LocaleNegotiator::direction(locale)},
      {"partners", partners_json(s)},
      {"speaker", to_string(s.speaker)},
      {"progress", {{"step", s.step + 1}, {"of", flow.steps.size()}, {"round", round}, {"rounds", flow.rounds()}}},
      {"thread", thread},
      {"awaiting", awaited},
      {"input", input},
      {"pause", pause},
  };
}

json render_transcript(const LiveSession& session, const std::string& locale, const Catalogs& catalogs) {
  const SessionState& s = session.state;
  const Flow& flow = *session.flow;
  json turns = json::array();
  for (const Entry& e : session.entries) {
    std::int64_t at = e.seq >= 1 && e.seq <= session.event_times.size() ? session.event_times[e.seq - 1] : 0;
    bool typed = e.kind == EntryKind::Input && !e.message;
    turns.push_back({
        {"seq", e.seq},
        {"at", iso8601_utc(at)},
        {"kind", entry_kind(e.kind)},
        {"partner", e.by ? json(to_string(*e.by)) : json()},
        {"to", e.kind == EntryKind::Guide ? json(to_string(e.to)) : json()},
        {"step", e.step},
        {"message", e.message ? json(e.message->id()) : json()},
        {"args", e.message ? args_to_json(e.message->args) : json::object()},
        {"locale", typed ? s.info(*e.by).locale : locale},
        {"text", entry_text(e, locale, catalogs)},
    });
  }
  return {
      {"id", session.record.id},
      {"flow", {{"id", flow.id}, {"version", flow.version}, {"title", catalogs.render(locale, flow.id, flow.title, {})}}},
      {"status", to_string(s.status)},
      {"locale", locale},
      {"partners", partners_json(s)},
      {"started_at", iso8601_utc(session.record.created_ms)},
      {"turns", turns},
  };
}

}  // namespace tandem
