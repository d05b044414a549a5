#include "app/views.h"

#include <algorithm>

#include "core/ids.h"
#include "engine/value_json.h"
#include "i18n/formats.h"
#include "i18n/text.h"
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

json pacing_json(const Pacing& p) {
  return {{"name", p.name}, {"in_ms", p.in_ms}, {"hold_ms", p.hold_ms}, {"out_ms", p.out_ms},
          {"rest_ms", p.rest_ms}, {"max_cycles", p.max_cycles}};
}

// The feelings vocabulary of a locale (the first one along its fallback chain that has one).
json feelings_json(const std::string& locale, const Catalogs& catalogs) {
  json options = json::array();
  for (const std::string& candidate : Catalogs::locale_chain(locale)) {
    const auto* keys = catalogs.keys_in_order(candidate, kFeelingsCatalog);
    if (!keys) continue;
    for (const auto& key : *keys) {
      const std::string& word = *catalogs.pattern(candidate, kFeelingsCatalog, key);
      options.push_back({{"value", word}, {"label", word}});
    }
    break;
  }
  return options;
}

json input_json(const Awaited& a, const std::string& locale, const Catalogs& catalogs, std::size_t max_length) {
  const InputSpec& in = a.input;
  json out = {{"step", a.step}, {"type", to_string(in.type)}, {"prompt", render(in.prompt, locale, catalogs)}};
  if (in.is_private) out["private"] = true;
  if (!in.options.empty()) {
    out["options"] = json::array();
    for (const auto& [value, label] : in.options)
      out["options"].push_back({{"value", value}, {"label", render(label, locale, catalogs)}});
  }
  if (!in.items.empty()) {
    out["type"] = "list";
    out["items"] = json::array();
    for (const MessageRef& item : in.items) out["items"].push_back({{"key", item.key}, {"label", render(item, locale, catalogs)}});
  }
  switch (in.type) {
    case InputType::Text:
      out["max_length"] = max_length;
      break;
    case InputType::Multi:
      out["min"] = in.min;
      out["max"] = in.max == 0 ? static_cast<int>(in.options.size()) : in.max;
      break;
    case InputType::Scale:
      out["min"] = in.min;
      out["max"] = in.max;
      out["low"] = in.low ? render(*in.low, locale, catalogs) : "";
      out["high"] = in.high ? render(*in.high, locale, catalogs) : "";
      break;
    case InputType::Feeling:
      out["options"] = feelings_json(locale, catalogs);
      break;
    case InputType::Confirm:
      if (in.seconds > 0) out["timer"] = {{"seconds", in.seconds}, {"pacing", pacing_json(in.pacing)}};
      break;
    default:
      break;
  }
  return out;
}

// A typed answer (free text, a feeling word) is shown exactly as its author wrote it, in their
// language; everything else is rendered in the reader's language.
bool typed(const Entry& e) { return e.kind == EntryKind::Input && !e.message && e.value && is_text(*e.value); }

std::string_view entry_kind(EntryKind kind) {
  switch (kind) {
    case EntryKind::Guide: return "guide";
    case EntryKind::Input: return "input";
    case EntryKind::Event: return "event";
  }
  return "";
}

}  // namespace

std::string entry_text(const Entry& entry, const std::string& locale, const Catalogs& catalogs) {
  if (entry.kind == EntryKind::Input && entry.value && is_list(*entry.value)) {
    if (!entry.only) return catalogs.render_list(locale, entry.catalog, entry.labels);
    // A private yes/maybe/no list, shown only to its author: each item with its answer.
    const List& answers = std::get<List>(*entry.value);
    std::string out;
    for (std::size_t i = 0; i < answers.size() && i < entry.labels.size(); ++i) {
      out += (out.empty() ? "" : "\n") + catalogs.render(locale, entry.catalog, entry.labels[i], {}) + ": " +
             catalogs.render(locale, kUiCatalog, "answer." + answers[i], {});
    }
    return out;
  }
  if (entry.kind == EntryKind::Input && !entry.message) return value_to_string(*entry.value);
  return entry.message ? render(*entry.message, locale, catalogs) : std::string();
}

json render_view(const LiveSession& session, Partner viewer, const std::string& locale, const Catalogs& catalogs,
                 std::optional<std::uint64_t> after) {
  const SessionState& s = session.state;
  const Flow& flow = *session.flows.root;
  json thread = json::array();
  // Entries are in event order: skip straight to the first one after `after`.
  auto first = session.entries.begin();
  if (after)
    first = std::partition_point(first, session.entries.end(), [&](const Entry& e) { return e.seq <= *after; });
  for (auto it = first; it != session.entries.end(); ++it) {
    const Entry& e = *it;
    if (!e.visible_to(viewer)) continue;
    // Built in place: an initializer list would copy every value into the object once more.
    json& item = thread.emplace_back(json::value_t::object);
    auto& fields = *item.get_ptr<json::object_t*>();
    fields.emplace("seq", e.seq);
    fields.emplace("kind", entry_kind(e.kind));
    fields.emplace("step", e.step);
    fields.emplace("message", e.message ? json(e.message->id()) : json());
    fields.emplace("text", entry_text(e, locale, catalogs));
    if (e.kind == EntryKind::Guide) fields.emplace("to", to_string(e.to));
    if (e.by) fields.emplace("by", to_string(*e.by));
    if (e.kind == EntryKind::Event) fields.emplace("event", e.event);
    if (e.only) fields.emplace("private", true);
    if (e.kind == EntryKind::Input) fields.emplace("typed", typed(e));
    if (typed(e)) fields.emplace("text_dir", text_direction(std::get<std::string>(*e.value)));
  }
  json awaited = json::array();
  json input;  // null unless this viewer is asked something
  for (const Awaited& a : awaiting(session.flows, s)) {
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
  json view(json::value_t::object);
  auto& fields = *view.get_ptr<json::object_t*>();  // built in place, nothing copied
  fields.emplace("id", session.record.id);
  fields.emplace("flow", json{{"id", flow.id}, {"version", flow.version},
                              {"title", catalogs.render(locale, flow.id, flow.title, {})}});
  fields.emplace("seq", s.seq);
  fields.emplace("status", to_string(s.status));
  fields.emplace("viewer", to_string(viewer));
  fields.emplace("locale", locale);
  fields.emplace("dir", LocaleNegotiator::direction(locale));
  fields.emplace("partners", partners_json(s));
  fields.emplace("speaker", to_string(s.speaker));
  fields.emplace("progress", json{{"step", s.flow.empty() ? s.step + 1 : s.calls.front().step},
                                  {"of", flow.steps.size()},
                                  {"round", round},
                                  {"rounds", flow.rounds()}});
  fields.emplace("awaiting", std::move(awaited));
  fields.emplace("input", std::move(input));
  fields.emplace("pause", std::move(pause));
  fields.emplace("thread", std::move(thread));
  if (after) view["thread_after"] = *after;
  return view;
}

json render_transcript(const LiveSession& session, const Reader& reader, std::optional<Partner> viewer,
                       const Catalogs& catalogs) {
  const std::string& locale = reader.locale;
  const SessionState& s = session.state;
  const Flow& flow = *session.flows.root;
  json turns = json::array();
  for (const Entry& e : session.entries) {
    if (!shown_to(e, viewer)) continue;
    std::int64_t at = e.seq >= 1 && e.seq <= session.event_times.size() ? session.event_times[e.seq - 1] : 0;
    bool typed_text = typed(e);
    turns.push_back({
        {"seq", e.seq},
        {"at", iso8601_utc(at)},
        {"kind", entry_kind(e.kind)},
        {"partner", e.by ? json(to_string(*e.by)) : json()},
        {"to", e.kind == EntryKind::Guide ? json(to_string(e.to)) : json()},
        {"step", e.step},
        {"message", e.message ? json(e.message->id()) : json()},
        {"args", e.message ? args_to_json(e.message->args) : json::object()},
        {"locale", typed_text ? s.info(*e.by).locale : locale},
        {"text", entry_text(e, locale, catalogs)},
        {"private", e.only.has_value()},
    });
  }
  json transcript = {
      {"id", session.record.id},
      {"flow", {{"id", flow.id}, {"version", flow.version}, {"title", catalogs.render(locale, flow.id, flow.title, {})}}},
      {"status", to_string(s.status)},
      {"locale", locale},
      {"partners", partners_json(s)},
      {"started_at", iso8601_utc(session.record.created_ms)},
      {"started", format_date_time(session.record.created_ms, locale, reader.time_zone)},
      {"started_ago", format_relative(session.record.created_ms, reader.now_ms, locale)},
  };
  transcript["turns"] = std::move(turns);
  return transcript;
}

}  // namespace tandem
