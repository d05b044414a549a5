// History: full-text search in every script, server settings and the retention period.
#include <catch2/catch.hpp>

#include "http_support.h"
#include "i18n/text.h"

using namespace tandem;
using namespace tandem::testing;
using nlohmann::json;

namespace {

// Starts feel-prefer-try and has the first partner type `words` at the first text question.
std::string session_saying(TestServer& server, const std::string& locale, const std::string& words) {
  json view = server.post_json("/api/sessions", new_session_body(locale, locale), 201);
  const std::string id = view["id"];
  const std::string input = "/api/sessions/" + id + "/input";
  server.turn(input, {{"partner", "a"}, {"value", "yes"}});
  server.turn(input, {{"partner", "b"}, {"value", "yes"}});
  json asked = server.get_json("/api/sessions/" + id + "?partner=a");
  REQUIRE(asked["input"]["type"] == "text");
  server.turn(input, {{"partner", "a"}, {"value", words}});
  return id;
}

std::vector<std::string> found(TestServer& server, const std::string& query) {
  httplib::Params params{{"q", query}};
  auto res = server.client().Get("/api/sessions", params, httplib::Headers{});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  json answer = json::parse(res->body);
  std::vector<std::string> ids;
  for (const json& s : answer["sessions"]) ids.push_back(s["id"]);
  return ids;
}

}  // namespace

TEST_CASE("search folds case, accents and width, and keeps marks that change a letter", "[i18n]") {
  CHECK(search_fold("Café") == "cafe");
  CHECK(search_fold("STRASSE") == search_fold("Straße"));
  CHECK(search_fold("ＡＢＣ１") == "abc1");
  CHECK(search_fold("مَرْحَبًا") == "مرحبا");
  CHECK(search_fold("Ёлка") == "елка");
  CHECK(search_fold("が") == "が");              // a dakuten makes another kana: kept
  CHECK(search_fold("नमस्ते") == "नमस्ते");        // Devanagari vowel signs and virama: kept
  CHECK(truncate_graphemes("👩‍❤️‍👨abc", 2) == "👩‍❤️‍👨a…");
  CHECK(truncate_graphemes("abc", 3) == "abc");
}

TEST_CASE("history search finds typed answers and names in every script", "[http][search]") {
  TestServer server;
  std::string es = session_saying(server, "es", "Me sentí sola en la Cena");
  std::string ja = session_saying(server, "ja", "夕食のときに寂しかった");
  std::string ar = session_saying(server, "ar", "شعرتُ بالوحدة");

  CHECK(found(server, "SOLA EN") == std::vector{es});
  CHECK(found(server, "senti") == std::vector{es});          // without the accent
  CHECK(found(server, "夕食のとき") == std::vector{ja});        // trigram index
  CHECK(found(server, "寂し") == std::vector{ja});             // two characters: a scan
  CHECK(found(server, "بالوحدة") == std::vector{ar});          // without the vowel mark
  CHECK(found(server, "Ben").size() == 3);                    // names are found too
  CHECK(found(server, "no such words").empty());
  CHECK(found(server, "   ").size() == 3);                    // blank: everything
  CHECK(found(server, "\"quoted\" OR") .empty());             // search syntax is taken literally

  json answer = server.get_json("/api/sessions?q=cena");
  REQUIRE(answer["sessions"].size() == 1);
  CHECK(answer["sessions"][0]["matches"] == json::array({"Me sentí sola en la Cena"}));
  CHECK(answer["query"] == "cena");
  CHECK_FALSE(server.get_json("/api/sessions")["sessions"][0].contains("matches"));

  // Bad queries are clear errors.
  auto invalid = server.client().Get("/api/sessions?q=%C3%28");
  CHECK(invalid->status == 400);
  CHECK(json::parse(invalid->body)["code"] == "invalid-utf8");
  httplib::Params long_query{{"q", std::string(201, 'a')}};
  auto too_long = server.client().Get("/api/sessions", long_query, httplib::Headers{});
  CHECK(too_long->status == 400);
  CHECK(json::parse(too_long->body)["code"] == "text-too-long");

  // A deleted conversation is not found any more.
  server.post_json("/api/sessions/" + es + "/delete", json::object());
  CHECK(found(server, "sola").empty());
}

TEST_CASE("a retention period deletes old conversations for real, and only those", "[http][search]") {
  TestServer server;
  CHECK(server.get_json("/api/settings") == json{{"retention_days", nullptr}});
  std::string old = session_saying(server, "en", "an old evening");
  server.clock().advance(31LL * 24 * 60 * 60 * 1000);
  std::string recent = session_saying(server, "en", "a recent evening");

  CHECK(server.post_json("/api/settings", {{"retention_days", 0}}, 400)["field"] == "retention_days");
  CHECK(server.post_json("/api/settings", {{"retention_days", "30"}}, 400)["field"] == "retention_days");
  CHECK(server.post_json("/api/settings", json::object(), 400)["field"] == "retention_days");
  CHECK(server.get_json("/api/sessions")["sessions"].size() == 2);  // nothing changed

  CHECK(server.post_json("/api/settings", {{"retention_days", 30}}) == json{{"retention_days", 30}});
  json left = server.get_json("/api/sessions")["sessions"];
  REQUIRE(left.size() == 1);
  CHECK(left[0]["id"] == recent);
  CHECK(server.get_json("/api/sessions/" + old + "?partner=a", 404)["code"] == "unknown-session");
  CHECK(found(server, "old evening").empty());
  CHECK(server.stored_events(old) == 0);

  // Turning it off keeps everything from then on.
  CHECK(server.post_json("/api/settings", {{"retention_days", nullptr}}) == json{{"retention_days", nullptr}});
  server.clock().advance(400LL * 24 * 60 * 60 * 1000);
  CHECK(server.get_json("/api/sessions")["sessions"].size() == 1);
}

namespace {
// feel-prefer-try for Ana and Ben, as the setup screen asks for it.
NewSession feel_prefer_try(const std::string& locale_a, const std::string& locale_b) {
  NewSession request;
  request.flow = "feel-prefer-try";
  request.partners = {PartnerInfo{"Ana", locale_a}, PartnerInfo{"Ben", locale_b}};
  return request;
}

// A mutation sent at the seq of `view`.
Mutation at(const json& view, Command command, Partner partner, Value value = Value{}) {
  Mutation m;
  m.command = command;
  m.partner = partner;
  m.value = std::move(value);
  m.seq = view["seq"].get<std::uint64_t>();
  return m;
}

// A service over a fresh SQLite store with these cache limits.
struct CachedService {
  explicit CachedService(Limits limits)
      : store(std::move(*open_sqlite_store(dir.path() + "/tandem.db"))),
        service(shipped().flows, shipped().catalogs, shipped_locales(), *store, clock, limits) {}
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<SessionStore> store;
  SessionService service;
};
}  // namespace

TEST_CASE("the session cache keeps a bounded number; a session let go is rebuilt from its log", "[history]") {
  Limits limits;
  limits.cached_sessions = 3;
  CachedService cached(limits);
  SessionService& service = cached.service;
  const NewSession request = feel_prefer_try("es", "ar");
  std::vector<std::string> ids;
  std::vector<json> views;
  for (int i = 0; i < 6; ++i) {
    auto view = service.create(request);
    REQUIRE(view.ok());
    const std::string id = (*view)["id"];
    REQUIRE(service.mutate(id, at(*view, Command::Input, Partner::A, Value{std::string("yes")})).ok());
    ids.push_back(id);
    views.push_back(*service.view(id, Partner::B, ""));
    CHECK(service.cached_sessions() <= 3);
  }
  // The first ones were let go; each comes back exactly as it was, and goes on.
  for (int i = 0; i < 6; ++i) {
    auto again = service.view(ids[i], Partner::B, "");
    REQUIRE(again.ok());
    CHECK(*again == views[i]);
  }
  auto next = service.mutate(ids[0], at(views[0], Command::Input, Partner::B, Value{std::string("yes")}));
  REQUIRE(next.ok());
  CHECK((*next)["seq"] == views[0]["seq"].get<std::uint64_t>() + 1);
  CHECK(service.cached_sessions() <= 3);
  CHECK(cached.store->events(ids[0])->size() == (*next)["seq"].get<std::size_t>());
}

TEST_CASE("finished sessions leave the cache first, and only a few are kept", "[history]") {
  Limits limits;
  limits.cached_sessions = 10;
  limits.cached_ended = 1;
  CachedService cached(limits);
  SessionService& service = cached.service;
  const NewSession request = feel_prefer_try("en", "en");
  std::vector<std::string> stopped;
  for (int i = 0; i < 3; ++i) {
    auto view = service.create(request);
    REQUIRE(view.ok());
    REQUIRE((*service.mutate((*view)["id"], at(*view, Command::Stop, Partner::B)))["status"] == "stopped");
    stopped.push_back((*view)["id"]);
  }
  // Room for 10, but finished ones go once more than one is held (checked as sessions are added):
  // the third start let the first go; the last stop made two finished ones again.
  CHECK(service.cached_sessions() == 2);
  REQUIRE(service.create(request).ok());
  CHECK(service.cached_sessions() == 2);  // the new one, and one finished session
  // A finished session let go still reads exactly as before.
  auto transcript = service.transcript(stopped[0], "en", std::nullopt);
  REQUIRE(transcript.ok());
  CHECK((*transcript)["status"] == "stopped");
}

namespace {
// The SQLite store, counting how many session logs are read (each read is a rebuild).
class CountingStore final : public SessionStore {
 public:
  explicit CountingStore(std::unique_ptr<SessionStore> inner) : inner_(std::move(inner)) {}
  int log_reads = 0;
  Status create_session(const SessionRecord& r, const std::vector<PinnedFlow>& f, const StoredEvent& e) override {
    return inner_->create_session(r, f, e);
  }
  Result<std::optional<SessionRecord>> find_session(const std::string& id) override { return inner_->find_session(id); }
  Result<std::vector<SessionRecord>> list_sessions() override { return inner_->list_sessions(); }
  Result<std::string> flow_source(const std::string& hash) override { return inner_->flow_source(hash); }
  Result<std::vector<StoredEvent>> events(const std::string& id) override {
    ++log_reads;
    return inner_->events(id);
  }
  Status append(const std::string& id, const StoredEvent& e, const std::optional<std::string>& a) override {
    return inner_->append(id, e, a);
  }
  Result<std::vector<AgreementVersion>> agreements() override { return inner_->agreements(); }
  Result<std::optional<IdempotentWrite>> find_idempotent(const std::string& key) override { return inner_->find_idempotent(key); }
  Status delete_session(const std::string& id) override { return inner_->delete_session(id); }
  Status delete_everything() override { return inner_->delete_everything(); }
  Status delete_sessions(const std::vector<std::string>& ids) override { return inner_->delete_sessions(ids); }
  Result<std::vector<SearchHit>> search(const std::string& folded) override { return inner_->search(folded); }
  Status reindex(const std::string& id, const std::vector<SearchText>& t) override { return inner_->reindex(id, t); }
  Result<std::optional<std::string>> setting(const std::string& key) override { return inner_->setting(key); }
  Status put_setting(const std::string& key, const std::optional<std::string>& v) override { return inner_->put_setting(key, v); }
  Result<std::vector<std::string>> idle_sessions(std::int64_t before) override { return inner_->idle_sessions(before); }

 private:
  std::unique_ptr<SessionStore> inner_;
};
}  // namespace

TEST_CASE("listing sessions rebuilds none the cache let go, and shows each one's latest status", "[history]") {
  TempDir dir;
  FakeClock clock;
  const std::string path = dir.path() + "/tandem.db";
  Limits limits;
  limits.cached_sessions = 2;
  limits.cached_ended = 1;
  const NewSession request = feel_prefer_try("en", "en");
  {
    auto store = std::move(*open_sqlite_store(path));
    SessionService service(shipped().flows, shipped().catalogs, shipped_locales(), *store, clock, limits);
    for (int i = 0; i < 5; ++i) {
      auto view = service.create(request);
      REQUIRE(view.ok());
      if (i % 2 == 1) REQUIRE(service.mutate((*view)["id"], at(*view, Command::Stop, Partner::A)).ok());
    }
  }
  // After a restart: the first listing rebuilds each session once, later ones none.
  CountingStore store(std::move(*open_sqlite_store(path)));
  SessionService service(shipped().flows, shipped().catalogs, shipped_locales(), store, clock, limits);
  auto first = service.list_sessions("en", "UTC");
  REQUIRE(first.ok());
  CHECK(store.log_reads == 5);
  auto again = service.list_sessions("en", "UTC");
  REQUIRE(again.ok());
  CHECK(store.log_reads == 5);
  CHECK(*again == *first);
  CHECK(service.cached_sessions() <= 2);
  int stopped = 0;
  for (const json& s : (*again)["sessions"]) {
    CHECK(s["partners"] == json{{"a", "Ana"}, {"b", "Ben"}});
    CHECK(s["flow"]["title"] == "I feel, I prefer, I’d like to try");
    stopped += s["status"] == "stopped";
  }
  CHECK(stopped == 2);
  // A session's new status shows at once, although it was let go and rebuilt meanwhile.
  const std::string id = (*again)["sessions"][0]["id"];
  REQUIRE((*again)["sessions"][0]["status"] == "active");
  auto view = service.view(id, Partner::A, "");
  REQUIRE(service.mutate(id, at(*view, Command::Stop, Partner::B)).ok());
  auto after = service.list_sessions("en", "UTC");
  CHECK((*after)["sessions"][0]["status"] == "stopped");
}
