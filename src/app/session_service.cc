#include "app/session_service.h"

#include <algorithm>
#include <functional>

#include "app/views.h"
#include "core/ids.h"
#include "engine/value_json.h"
#include "i18n/formats.h"
#include "i18n/text.h"

namespace tandem {

using nlohmann::json;

namespace {

// What a search can find in these entries: typed answers that both partners may see.
std::vector<SearchText> searchable(const std::vector<Entry>& entries) {
  std::vector<SearchText> out;
  for (const Entry& e : entries) {
    if (e.kind != EntryKind::Input || e.message || e.only || !e.value || !is_text(*e.value)) continue;
    const std::string& text = std::get<std::string>(*e.value);
    out.push_back(SearchText{search_fold(text), text});
  }
  return out;
}

// Bump when search_fold changes: the index is rebuilt on the next start.
constexpr const char* kSearchIndexVersion = "1";
constexpr const char* kRetentionSetting = "retention_days";
constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

}  // namespace

SessionService::SessionService(FlowLibrary& flows, const Catalogs& catalogs, const LocaleNegotiator& locales,
                               SessionStore& store, Clock& clock, Limits limits)
    : flows_(flows), catalogs_(catalogs), locales_(locales), store_(store), clock_(clock), limits_(limits) {}

json SessionService::list_flows(const std::string& locale) const {
  json list = json::array();
  for (const FlowPtr& flow : flows_.all()) {
    if (flow->minutes == 0) continue;  // flows without a length are only called by others (grounding)
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

std::string SessionService::ui_text(const std::string& locale, const std::string& key, const Args& args) const {
  return catalogs_.render(locale, kUiCatalog, key, args);
}

std::string SessionService::error_detail(const Error& error, const std::string& locale) const {
  std::string text = catalogs_.render(locale, kUiCatalog, "error." + error.code, error.args);
  if (text.empty()) text = catalogs_.render(locale, kUiCatalog, "error.internal", {});
  return text;
}

Result<FlowSet> SessionService::flow_set(const std::string& id) const {
  FlowSet set;
  set.root = flows_.find(id);
  if (!set.root) return make_error("unknown-flow", "no flow \"" + id + "\"");
  std::function<Status(const FlowPtr&)> add = [&](const FlowPtr& flow) -> Status {
    if (!set.flows.emplace(flow->id, flow).second) return Ok{};
    for (const std::string& callee : flow->calls()) {
      FlowPtr called = flows_.find(callee);
      if (!called) return make_error("internal", "flow \"" + flow->id + "\" calls \"" + callee + "\", which is not loaded");
      if (auto ok = add(called); !ok) return ok;
    }
    return Ok{};
  };
  if (auto ok = add(set.root); !ok) return ok.error();
  return set;
}

Result<json> SessionService::create(const NewSession& request) {
  if (!request.idempotency_key.empty()) {
    auto earlier = store_.find_idempotent(request.idempotency_key);
    if (!earlier) return earlier.error();
    if (*earlier) return view((*earlier)->session_id, Partner::A, "");  // a retry: the same session
  }
  auto flows = flow_set(request.flow);
  if (!flows) return flows.error();
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
  start.params = request.params;
  auto history = store_.agreements();
  if (!history) return history.error();
  if (!history->empty()) {
    auto fields = args_from_json(json::parse(history->back().fields, nullptr, false));
    if (!fields) return make_error("storage-corrupt", "the stored agreement cannot be read");
    start.agreement = std::move(*fields);
    start.agreement_version = history->back().version;
  }
  std::vector<PinnedFlow> pinned;
  for (const auto& [id, flow] : flows->flows) {
    pinned.push_back(PinnedFlow{flow->hash, flow->id, flow->version, flow->source});
    if (flow != flows->root) start.flows[id] = flow->hash;
  }
  auto outcome = apply(*flows, SessionState{}, start);
  if (!outcome) return outcome.error();

  auto session = std::make_shared<LiveSession>();
  session->record = SessionRecord{new_session_id(), flows->root->id, flows->root->version, flows->root->hash, start.at_ms};
  session->flows = std::move(*flows);
  StoredEvent first{1, std::string(to_string(EventKind::Start)), event_body_to_json(start).dump(), start.at_ms,
                    request.idempotency_key, searchable(outcome->entries)};
  for (const PartnerInfo& partner : partners) first.search.push_back(SearchText{search_fold(partner.name), partner.name});
  if (auto ok = store_.create_session(session->record, pinned, first); !ok) return ok.error();
  session->state = std::move(outcome->state);
  session->entries = std::move(outcome->entries);
  session->event_times.push_back(start.at_ms);
  {
    std::lock_guard lock(sessions_mutex_);
    keep(session);
  }
  changed();
  std::lock_guard lock(session->mutex);
  return render_view(*session, Partner::A, session->state.info(Partner::A).locale, catalogs_);
}

void SessionService::changed() {
  {
    std::lock_guard lock(changes_mutex_);
    ++changes_;
  }
  changes_cv_.notify_all();
}

std::uint64_t SessionService::changes() {
  std::lock_guard lock(changes_mutex_);
  return changes_;
}

std::uint64_t SessionService::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(changes_mutex_);
  changes_cv_.wait_for(lock, timeout, [&] { return changes_ != seen; });
  return changes_;
}

void SessionService::wake_all() { changed(); }

std::shared_ptr<LiveSession> SessionService::use(const std::shared_ptr<LiveSession>& session) {
  session->last_used = ++uses_;
  return session;
}

SessionService::Summary SessionService::summary_of(const LiveSession& session) {
  return Summary{session.flows.root->title,
                 {session.state.info(Partner::A).name, session.state.info(Partner::B).name},
                 session.state.status};
}

std::shared_ptr<LiveSession> SessionService::keep(const std::shared_ptr<LiveSession>& session) {
  auto [it, added] = sessions_.emplace(session->record.id, session);
  std::shared_ptr<LiveSession> kept = use(it->second);
  if (!added) return kept;
  summaries_[session->record.id] = summary_of(*session);  // new or just rebuilt: nobody else holds it yet
  // Only sessions no request holds (only the cache does) may go: letting one go that a request
  // still holds could leave two copies of it, one of them stale.
  auto ended = [](const LiveSession& s) {
    return s.state.status == SessionStatus::Completed || s.state.status == SessionStatus::Stopped;
  };
  while (true) {
    std::size_t ended_count = 0;
    auto oldest = sessions_.end(), oldest_ended = sessions_.end();
    for (auto candidate = sessions_.begin(); candidate != sessions_.end(); ++candidate) {
      if (candidate->second.use_count() > 1) continue;  // in use: it stays
      LiveSession& c = *candidate->second;
      std::unique_lock<std::mutex> settled(c.mutex, std::try_to_lock);  // orders us after its last change
      if (!settled) continue;
      bool done = ended(c);
      ended_count += done;
      if (oldest == sessions_.end() || c.last_used < oldest->second->last_used) oldest = candidate;
      if (done && (oldest_ended == sessions_.end() || c.last_used < oldest_ended->second->last_used)) oldest_ended = candidate;
    }
    if (oldest_ended != sessions_.end() && (ended_count > limits_.cached_ended || sessions_.size() > limits_.cached_sessions)) {
      sessions_.erase(oldest_ended);
    } else if (oldest != sessions_.end() && sessions_.size() > limits_.cached_sessions) {
      sessions_.erase(oldest);
    } else {
      return kept;  // within the limits (or every one over them is in use, for a moment)
    }
  }
}

std::size_t SessionService::cached_sessions() {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

Result<std::shared_ptr<LiveSession>> SessionService::live(const std::string& id) {
  if (!is_session_id(id)) return make_error("unknown-session", "no session \"" + id + "\"");
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) return use(it->second);
  }
  // One rebuild at a time, looking again once it is our turn: two rebuilds of one session racing
  // a commit and the cache letting the first go could otherwise keep a copy older than its log.
  std::lock_guard loading(loading_mutex_);
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) return use(it->second);
  }
  // Rebuild from the log: the state is a deterministic fold over the committed events, walked
  // with the exact flow versions the session started with.
  auto record = store_.find_session(id);
  if (!record) return record.error();
  if (!*record) return make_error("unknown-session", "no session \"" + id + "\"");
  auto stored = store_.events(id);
  if (!stored) return stored.error();

  auto session = std::make_shared<LiveSession>();
  session->record = **record;
  std::vector<Event> events;
  for (const StoredEvent& s : *stored) {
    json body = json::parse(s.body, nullptr, false);
    auto event = event_from_json(s.kind, body, s.at_ms);
    if (!event) return event.error();
    events.push_back(std::move(*event));
    session->event_times.push_back(s.at_ms);
  }
  if (events.empty()) return make_error("storage-corrupt", "session " + id + " has no events");
  auto pin = [&](const std::string& hash) -> Result<FlowPtr> {
    auto source = store_.flow_source(hash);
    if (!source) return source.error();
    return flows_.pinned(hash, *source);
  };
  auto root = pin(session->record.flow_hash);
  if (!root) return root.error();
  session->flows = FlowSet::single(*root);
  for (const auto& [callee, hash] : events.front().flows) {
    auto flow = pin(hash);
    if (!flow) return flow.error();
    session->flows.flows[callee] = *flow;
  }
  auto replayed = replay(session->flows, events);
  if (!replayed) return replayed.error();
  session->state = std::move(replayed->state);
  session->entries = std::move(replayed->entries);

  std::lock_guard lock(sessions_mutex_);
  return keep(session);
}

std::optional<std::string> SessionService::partner_locale(const std::string& id, Partner partner) {
  auto session = live(id);
  if (!session) return std::nullopt;
  std::lock_guard lock((*session)->mutex);
  return (*session)->state.info(partner).locale;
}

Result<json> SessionService::view(const std::string& id, Partner viewer, const std::string& locale,
                                  std::optional<std::uint64_t> after) {
  auto session = live(id);
  if (!session) return session.error();
  LiveSession& s = **session;
  std::lock_guard lock(s.mutex);
  if (auto ok = check_after(s, after); !ok) return ok.error();
  return render_view(s, viewer, locale.empty() ? s.state.info(viewer).locale : locale, catalogs_, after);
}

Status SessionService::check_after(const LiveSession& session, std::optional<std::uint64_t> after, const char* field) const {
  if (after && *after > session.state.seq)
    return make_error("invalid-field", std::string(field) + " " + std::to_string(*after) + " is beyond the session's seq " +
                                           std::to_string(session.state.seq),
                      {{"field", std::string(field)}});
  return Ok{};
}

json SessionService::answer(const LiveSession& s, const Mutation& mutation) const {
  json view = render_view(s, mutation.partner, s.state.info(mutation.partner).locale, catalogs_, mutation.after);
  if (!mutation.next_after) return view;
  if (s.state.status != SessionStatus::Active && s.state.status != SessionStatus::Paused) return view;
  // The partner a shared device shows next (as the web UI chooses): the first one awaited.
  const json& awaited = view.at("awaiting");
  if (awaited.empty() || awaited[0] == to_string(mutation.partner)) return view;
  Partner next = other(mutation.partner);
  view["next"] = render_view(s, next, s.state.info(next).locale, catalogs_, mutation.next_after);
  return view;
}

Result<Value> SessionService::clean_value(const LiveSession& session, const Mutation& mutation) const {
  auto asked = awaiting(session.flows, session.state);
  auto mine = std::find_if(asked.begin(), asked.end(), [&](const Awaited& a) { return a.partner == mutation.partner; });
  auto check_utf8 = [](const std::string& text) -> Status {
    if (!is_valid_utf8(text)) return make_error("invalid-utf8", "the value is not valid UTF-8");
    return Ok{};
  };
  if (is_list(mutation.value)) {
    for (const auto& item : std::get<List>(mutation.value))
      if (auto ok = check_utf8(item); !ok) return ok.error();
    return mutation.value;
  }
  if (!is_text(mutation.value)) return mutation.value;
  const std::string& raw = std::get<std::string>(mutation.value);
  InputType type = mine == asked.end() ? InputType::Choice : mine->input.type;
  if (type == InputType::Text) {
    // Typed answers are normalized and limited; choices are checked against their options by the engine.
    auto text = clean_user_text(raw, limits_.answer_graphemes);
    if (!text) return text.error();
    return Value{*text};
  }
  if (auto ok = check_utf8(raw); !ok) return ok.error();
  if (type == InputType::Feeling) {
    // A feeling comes from the vocabulary of the answering partner's own language; with no
    // vocabulary anywhere on its fallback chain, the partner types the word instead.
    for (const std::string& locale : Catalogs::locale_chain(session.state.info(mutation.partner).locale)) {
      if (const auto* words = catalogs_.messages(locale, kFeelingsCatalog)) {
        for (const auto& [key, word] : *words)
          if (word == raw) return mutation.value;
        return make_error("invalid-choice", "\"" + raw + "\" is not in the feelings vocabulary");
      }
    }
    auto text = clean_user_text(raw, limits_.name_graphemes);
    if (!text) return text.error();
    return Value{*text};
  }
  return mutation.value;
}

Result<json> SessionService::mutate(const std::string& id, const Mutation& mutation) {
  auto found = live(id);
  if (!found) return found.error();
  LiveSession& s = **found;
  std::lock_guard lock(s.mutex);
  if (auto ok = check_after(s, mutation.after); !ok) return ok.error();
  if (auto ok = check_after(s, mutation.next_after, "next_after"); !ok) return ok.error();
  // A retry of a request that was already committed gets the same answer, and nothing is written.
  // Such a retry carries the seq it was first sent with, which its own event has moved past; a
  // request at the current seq cannot have been committed, so the lookup is skipped (if its key
  // was used before anyway, storing it again is refused: "idempotency key used twice").
  bool may_be_retry = !mutation.seq || *mutation.seq != s.state.seq;
  if (!mutation.idempotency_key.empty() && may_be_retry) {
    auto earlier = store_.find_idempotent(mutation.idempotency_key);
    if (!earlier) return earlier.error();
    if (*earlier) {
      if ((*earlier)->session_id != id)
        return make_error("invalid-field", "idempotency key used for another session", {{"field", "Idempotency-Key"}});
      return answer(s, mutation);
    }
  }
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
      event = Event::input(mutation.partner, current_step_id(s.flows, s.state), *value);
      break;
    }
    case Command::Pause: event = Event::control(EventKind::Pause, mutation.partner); break;
    case Command::Resume: event = Event::control(EventKind::Resume, mutation.partner); break;
    case Command::Stop: event = Event::control(EventKind::Stop, mutation.partner); break;
  }
  event.at_ms = clock_.now_ms();
  auto outcome = apply(s.flows, s.state, event);
  if (!outcome) {
    Error e = outcome.error();
    if (e.code == "seq-conflict") e.args["seq"] = static_cast<std::int64_t>(s.state.seq);
    return e;
  }
  StoredEvent stored{outcome->state.seq, std::string(to_string(event.kind)), event_body_to_json(event).dump(), event.at_ms,
                     mutation.idempotency_key, searchable(outcome->entries)};
  std::optional<std::string> agreement;
  if (outcome->agreement) agreement = args_to_json(*outcome->agreement).dump();
  if (auto ok = store_.append(id, stored, agreement); !ok) return ok.error();  // nothing changes unless committed

  bool status_changed = outcome->state.status != s.state.status;
  s.state = std::move(outcome->state);
  for (auto& entry : outcome->entries) s.entries.push_back(std::move(entry));
  s.event_times.push_back(event.at_ms);
  if (status_changed) {
    std::lock_guard lock(sessions_mutex_);
    if (auto summary = summaries_.find(id); summary != summaries_.end()) summary->second.status = s.state.status;
  }
  changed();
  return answer(s, mutation);
}

Result<json> SessionService::transcript(const std::string& id, const std::string& locale, std::optional<Partner> viewer,
                                        const std::string& time_zone) {
  auto session = live(id);
  if (!session) return session.error();
  std::lock_guard lock((*session)->mutex);
  return render_transcript(**session, Reader{locale, time_zone, clock_.now_ms()}, viewer, catalogs_);
}

Result<std::string> SessionService::transcript_document(const std::string& id, const std::string& locale,
                                                        std::optional<Partner> viewer, const std::string& time_zone,
                                                        TranscriptFormat format) {
  auto session = live(id);
  if (!session) return session.error();
  std::lock_guard lock((*session)->mutex);
  return render_document(**session, Reader{locale, time_zone, clock_.now_ms()}, viewer, catalogs_, format);
}

Status SessionService::delete_session(const std::string& id) {
  if (!is_session_id(id)) return make_error("unknown-session", "no session \"" + id + "\"");
  // Hold the session while it goes, so no turn can land in between.
  std::shared_ptr<LiveSession> held;
  {
    std::lock_guard lock(sessions_mutex_);
    if (auto it = sessions_.find(id); it != sessions_.end()) held = it->second;
  }
  std::unique_lock<std::mutex> session_lock;
  if (held) session_lock = std::unique_lock<std::mutex>(held->mutex);
  if (auto ok = store_.delete_session(id); !ok) return ok;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(id);
    summaries_.erase(id);
  }
  changed();
  return Ok{};
}

Status SessionService::delete_everything() {
  {
    std::lock_guard lock(sessions_mutex_);
    if (auto ok = store_.delete_everything(); !ok) return ok;
    sessions_.clear();
    summaries_.clear();
  }
  changed();
  return Ok{};
}

Result<json> SessionService::list_sessions(const std::string& locale, const std::string& time_zone, const std::string& query) {
  std::map<std::string, std::vector<std::string>> matches;
  if (!query.empty()) {
    auto hits = store_.search(search_fold(query));
    if (!hits) return hits.error();
    for (const SearchHit& hit : *hits) {
      auto& found = matches[hit.session_id];
      std::string excerpt = truncate_graphemes(hit.original, 200);
      if (found.size() < 3 && std::find(found.begin(), found.end(), excerpt) == found.end()) found.push_back(excerpt);
    }
  }
  auto records = store_.list_sessions();
  if (!records) return records.error();
  json list = json::array();
  std::int64_t now = clock_.now_ms();
  for (const SessionRecord& record : *records) {
    if (!query.empty() && !matches.count(record.id)) continue;
    auto summary = [&]() -> std::optional<Summary> {
      std::lock_guard lock(sessions_mutex_);
      auto it = summaries_.find(record.id);
      return it == summaries_.end() ? std::nullopt : std::optional<Summary>(it->second);
    };
    std::optional<Summary> s = summary();
    if (!s) {  // not seen since start: rebuilt once, which leaves its summary
      auto session = live(record.id);
      if (!session) return session.error();
      s = summary();
      if (!s) {
        std::lock_guard lock((*session)->mutex);
        s = summary_of(**session);
      }
    }
    json item = {{"id", record.id},
                 {"flow", {{"id", record.flow_id}, {"title", catalogs_.render(locale, record.flow_id, s->title, {})}}},
                 {"partners", {{"a", s->names[0]}, {"b", s->names[1]}}},
                 {"status", to_string(s->status)},
                 {"started_at", iso8601_utc(record.created_ms)},
                 {"started", format_date_time(record.created_ms, locale, time_zone)},
                 {"started_ago", format_relative(record.created_ms, now, locale)}};
    if (!query.empty()) item["matches"] = matches[record.id];
    list.push_back(std::move(item));
  }
  json answer = {{"locale", locale}, {"sessions", list}};
  if (!query.empty()) answer["query"] = query;
  return answer;
}

Status SessionService::update_search_index() {
  auto version = store_.setting("search_index");
  if (!version) return version.error();
  if (*version == std::optional<std::string>(kSearchIndexVersion)) return Ok{};
  auto records = store_.list_sessions();
  if (!records) return records.error();
  for (const SessionRecord& record : *records) {
    auto session = live(record.id);
    if (!session) return session.error();
    std::vector<SearchText> texts;
    {
      std::lock_guard lock((*session)->mutex);
      texts = searchable((*session)->entries);
      for (Partner p : kPartners) {
        const std::string& name = (*session)->state.info(p).name;
        texts.push_back(SearchText{search_fold(name), name});
      }
    }
    if (auto ok = store_.reindex(record.id, texts); !ok) return ok;
  }
  return store_.put_setting("search_index", std::string(kSearchIndexVersion));
}

Result<json> SessionService::settings() {
  auto days = store_.setting(kRetentionSetting);
  if (!days) return days.error();
  return json{{"retention_days", *days ? json(std::stoi(**days)) : json()}};
}

Result<json> SessionService::set_retention(std::optional<int> days) {
  if (days && (*days < 1 || *days > 3650))
    return make_error("invalid-field", "retention_days must be from 1 to 3650, or null", {{"field", "retention_days"}});
  if (auto ok = store_.put_setting(kRetentionSetting, days ? std::optional<std::string>(std::to_string(*days)) : std::nullopt); !ok)
    return ok.error();
  if (auto purged = purge_expired(); !purged) return purged.error();
  return settings();
}

Result<std::size_t> SessionService::purge_expired() {
  auto days = store_.setting(kRetentionSetting);
  if (!days) return days.error();
  if (!*days) return std::size_t{0};
  auto old = store_.idle_sessions(clock_.now_ms() - std::stoll(**days) * kDayMs);
  if (!old) return old.error();
  if (old->empty()) return std::size_t{0};
  {
    std::lock_guard lock(sessions_mutex_);
    if (auto ok = store_.delete_sessions(*old); !ok) return ok.error();
    for (const std::string& id : *old) {
      sessions_.erase(id);
      summaries_.erase(id);
    }
  }
  changed();
  return old->size();
}

Result<json> SessionService::agreement(const std::string& locale) {
  auto history = store_.agreements();
  if (!history) return history.error();
  json versions = json::array();
  for (const AgreementVersion& v : *history) {
    versions.push_back({{"version", v.version},
                        {"session", v.session_id},
                        {"at", iso8601_utc(v.created_ms)},
                        {"fields", json::parse(v.fields, nullptr, false)}});
  }
  json current = versions.empty() ? json::object() : versions.back()["fields"];
  return json{{"locale", locale}, {"version", history->size()}, {"fields", current}, {"history", versions}};
}

}  // namespace tandem
