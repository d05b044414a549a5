#include "app/session_service.h"

#include <algorithm>

#include "app/views.h"
#include "core/ids.h"
#include "i18n/text.h"

namespace tandem {

using nlohmann::json;

SessionService::SessionService(FlowLibrary& flows, const Catalogs& catalogs, const LocaleNegotiator& locales,
                               SessionStore& store, Clock& clock, Limits limits)
    : flows_(flows), catalogs_(catalogs), locales_(locales), store_(store), clock_(clock), limits_(limits) {}

json SessionService::list_flows(const std::string& locale) const {
  json list = json::array();
  for (const FlowPtr& flow : flows_.all()) {
    list.push_back({{"id", flow->id},
                    {"version", flow->version},
                    {"title", catalogs_.render(locale, flow->id, flow->title, {})},
                    {"description", catalogs_.render(locale, flow->id, flow->description, {})},
                    {"minutes", flow->minutes}});
  }
  return {{"locale", locale}, {"flows", list}};
}

json SessionService::list_locales(const std::string& suggested) const {
  json list = json::array();
  for (const std::string& tag : locales_.supported()) {
    list.push_back({{"tag", tag},
                    {"name", catalogs_.render(tag, kUiCatalog, "ui.locale_name", {})},
                    {"dir", LocaleNegotiator::direction(tag)}});
  }
  return {{"suggested", suggested}, {"locales", list}};
}

json SessionService::ui_strings(const std::string& locale) const {
  json strings = json::object();
  auto chain = Catalogs::locale_chain(locale);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (const auto* messages = catalogs_.messages(*it, kUiCatalog))
      for (const auto& [key, pattern] : *messages) strings[key] = pattern;
  }
  return {{"locale", locale}, {"dir", LocaleNegotiator::direction(locale)}, {"strings", strings}};
}

std::string SessionService::error_detail(const Error& error, const std::string& locale) const {
  std::string text = catalogs_.render(locale, kUiCatalog, "error." + error.code, error.args);
  if (text.empty()) text = catalogs_.render(locale, kUiCatalog, "error.internal", {});
  return text;
}

Result<json> SessionService::create(const NewSession& request) {
  FlowPtr flow = flows_.find(request.flow);
  if (!flow) return make_error("unknown-flow", "no flow \"" + request.flow + "\"");
  std::array<PartnerInfo, 2> partners;
  for (int i = 0; i < 2; ++i) {
    auto name = clean_user_text(request.partners[i].name, limits_.name_graphemes);
    if (!name) {
      Error e = name.error();
      e.args["field"] = std::string("partners/") + std::to_string(i) + "/name";
      return e;
    }
    partners[i] = PartnerInfo{*name, locales_.from_tag(request.partners[i].locale)};
  }
  Event start = Event::start(partners);
  start.at_ms = clock_.now_ms();
  auto outcome = apply(*flow, SessionState{}, start);
  if (!outcome) return outcome.error();

  auto session = std::make_shared<LiveSession>();
  session->record = SessionRecord{new_session_id(), flow->id, flow->version, flow->hash, start.at_ms};
  session->flow = flow;
  StoredEvent first{1, std::string(to_string(EventKind::Start)), event_body_to_json(start).dump(), start.at_ms};
  if (auto ok = store_.create_session(session->record, flow->source, first); !ok) return ok.error();
  session->state = std::move(outcome->state);
  session->entries = std::move(outcome->entries);
  session->event_times.push_back(start.at_ms);
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_[session->record.id] = session;
  }
  std::lock_guard lock(session->mutex);
  return render_view(*session, Partner::A, session->state.info(Partner::A).locale, catalogs_);
}

Result<std::shared_ptr<LiveSession>> SessionService::live(const std::string& id) {
  if (!is_session_id(id)) return make_error("unknown-session", "no session \"" + id + "\"");
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) return it->second;
  }
  // Rebuild from the log: the state is a deterministic fold over the committed events.
  auto record = store_.find_session(id);
  if (!record) return record.error();
  if (!*record) return make_error("unknown-session", "no session \"" + id + "\"");
  auto source = store_.flow_source((*record)->flow_hash);
  if (!source) return source.error();
  auto flow = flows_.pinned((*record)->flow_hash, *source);
  if (!flow) return flow.error();
  auto stored = store_.events(id);
  if (!stored) return stored.error();

  auto session = std::make_shared<LiveSession>();
  session->record = **record;
  session->flow = *flow;
  std::vector<Event> events;
  for (const StoredEvent& s : *stored) {
    json body = json::parse(s.body, nullptr, false);
    auto event = event_from_json(s.kind, body, s.at_ms);
    if (!event) return event.error();
    events.push_back(std::move(*event));
    session->event_times.push_back(s.at_ms);
  }
  auto replayed = replay(**flow, events);
  if (!replayed) return replayed.error();
  session->state = std::move(replayed->state);
  session->entries = std::move(replayed->entries);

  std::lock_guard lock(sessions_mutex_);
  return sessions_.emplace(id, session).first->second;  // another thread may have won; use its copy
}

std::optional<std::string> SessionService::partner_locale(const std::string& id, Partner partner) {
  auto session = live(id);
  if (!session) return std::nullopt;
  std::lock_guard lock((*session)->mutex);
  return (*session)->state.info(partner).locale;
}

Result<json> SessionService::view(const std::string& id, Partner viewer, const std::string& locale) {
  auto session = live(id);
  if (!session) return session.error();
  LiveSession& s = **session;
  std::lock_guard lock(s.mutex);
  return render_view(s, viewer, locale.empty() ? s.state.info(viewer).locale : locale, catalogs_);
}

Result<Value> SessionService::clean_value(const LiveSession& session, const Mutation& mutation) const {
  if (!is_text(mutation.value)) return mutation.value;
  // Typed answers are normalized and limited; choice values are checked against their options by
  // the engine, so they only need to be valid text.
  auto asked = awaiting(*session.flow, session.state);
  bool typed = std::any_of(asked.begin(), asked.end(), [&](const Awaited& a) {
    return a.partner == mutation.partner && a.input.type == InputType::Text;
  });
  const std::string& raw = std::get<std::string>(mutation.value);
  if (!typed) {
    if (!is_valid_utf8(raw)) return make_error("invalid-utf8", "the value is not valid UTF-8");
    return mutation.value;
  }
  auto text = clean_user_text(raw, limits_.answer_graphemes);
  if (!text) return text.error();
  return Value{*text};
}

Result<json> SessionService::mutate(const std::string& id, const Mutation& mutation) {
  auto found = live(id);
  if (!found) return found.error();
  LiveSession& s = **found;
  std::lock_guard lock(s.mutex);
  if (mutation.seq && *mutation.seq != s.state.seq) {
    return make_error("seq-conflict", "the caller saw event " + std::to_string(*mutation.seq) + " but the session is at " +
                                          std::to_string(s.state.seq),
                      {{"seq", static_cast<std::int64_t>(s.state.seq)}});
  }
  Event event;
  switch (mutation.command) {
    case Command::Input: {
      auto value = clean_value(s, mutation);
      if (!value) return value.error();
      event = Event::input(mutation.partner, s.flow->steps[s.state.step].id, *value);
      break;
    }
    case Command::Pause: event = Event::control(EventKind::Pause, mutation.partner); break;
    case Command::Resume: event = Event::control(EventKind::Resume, mutation.partner); break;
    case Command::Stop: event = Event::control(EventKind::Stop, mutation.partner); break;
  }
  event.at_ms = clock_.now_ms();
  auto outcome = apply(*s.flow, s.state, event);
  if (!outcome) {
    Error e = outcome.error();
    if (e.code == "seq-conflict") e.args["seq"] = static_cast<std::int64_t>(s.state.seq);
    return e;
  }
  StoredEvent stored{outcome->state.seq, std::string(to_string(event.kind)), event_body_to_json(event).dump(), event.at_ms};
  if (auto ok = store_.append(id, stored); !ok) return ok.error();  // nothing changes unless committed

  s.state = std::move(outcome->state);
  for (auto& entry : outcome->entries) s.entries.push_back(std::move(entry));
  s.event_times.push_back(event.at_ms);
  return render_view(s, mutation.partner, s.state.info(mutation.partner).locale, catalogs_);
}

Result<json> SessionService::transcript(const std::string& id, const std::string& locale) {
  auto session = live(id);
  if (!session) return session.error();
  std::lock_guard lock((*session)->mutex);
  return render_transcript(**session, locale, catalogs_);
}

Result<std::string> SessionService::transcript_markdown(const std::string& id, const std::string& locale) {
  auto session = live(id);
  if (!session) return session.error();
  std::lock_guard lock((*session)->mutex);
  return render_markdown(**session, locale, catalogs_);
}

}  // namespace tandem
