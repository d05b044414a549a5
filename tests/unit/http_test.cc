// In-process HTTP tests: the real server on a free loopback port, a real client.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/session_service.h"
#include "http/guard.h"
#include "http/http_server.h"
#include "http_support.h"
#include "test_support.h"

using namespace tandem;
using namespace tandem::testing;
using nlohmann::json;

namespace {

// Answers whatever is asked until the flow ends; returns the final view.
json walk(const TestServer& server, json view) {
  const std::string id = view["id"];
  for (int turn = 0; turn < 100 && !view["awaiting"].empty(); ++turn) {
    std::string partner = view["awaiting"][0];
    view = server.get_json("/api/sessions/" + id + "?partner=" + partner);
    const json& input = view["input"];
    const std::string step = input["step"];
    json value;
    if (input["type"] == "choice") {
      value = input["options"][0]["value"];
      if (step == "answer") value = view["progress"]["round"] == 1 ? "tentative" : "soft_no";
    } else {
      value = partner == "a" ? "mi respuesta en «" + step + "» *con* <b>marcas</b>" : "my answer at " + step;
    }
    view = server.post_json("/api/sessions/" + id + "/input", {{"partner", partner}, {"value", value}, {"seq", view["seq"]}});
  }
  return view;
}

}  // namespace

TEST_CASE("a scripted walk completes feel-prefer-try with one partner in Spanish and one in English", "[http]") {
  TestServer server;
  // Couples see every flow with a length; flows only called by others (grounding) are not listed.
  json flows = server.get_json("/api/flows?locale=es");
  std::vector<std::string> ids;
  for (const json& f : flows["flows"]) ids.push_back(f["id"]);
  CHECK(ids == std::vector<std::string>{"agreement-review", "feel-prefer-try", "repair"});
  CHECK(flows["flows"][1]["title"] != server.get_json("/api/flows?locale=en")["flows"][1]["title"]);

  json view = server.post_json("/api/sessions", new_session_body("es-MX", "en-GB"), 201);
  CHECK(view["partners"]["a"]["locale"] == "es");
  CHECK(view["partners"]["b"]["locale"] == "en");
  CHECK(view["locale"] == "es");
  CHECK(view["awaiting"] == json::array({"a", "b"}));
  const std::string id = view["id"];

  view = walk(server, view);
  CHECK(view["status"] == "completed");
  CHECK(view["awaiting"].empty());

  // The JSON transcript lists every turn with partner, step, message id, locale and text.
  json transcript = server.get_json("/api/sessions/" + id + "/transcript?partner=b");
  CHECK(transcript["locale"] == "en");
  CHECK(transcript["status"] == "completed");
  const json& turns = transcript["turns"];
  CHECK(turns.size() > 50);
  std::size_t typed_by_a = 0;
  for (const json& t : turns) {
    for (const char* field : {"seq", "at", "kind", "partner", "to", "step", "message", "args", "locale", "text"})
      CHECK(t.contains(field));
    CHECK_FALSE(t["text"].get<std::string>().empty());
    if (t["kind"] == "guide") {
      CHECK(t["partner"].is_null());
      CHECK(t["locale"] == "en");
      CHECK(t["message"].get<std::string>().rfind("feel-prefer-try:", 0) == 0);
    }
    if (t["kind"] == "input" && t["partner"] == "a" && t["message"].is_null()) {
      ++typed_by_a;
      CHECK(t["locale"] == "es");  // typed text keeps its author's locale
      CHECK(t["text"].get<std::string>().find("«") != std::string::npos);
    }
  }
  CHECK(typed_by_a >= 6);
  CHECK(turns[0]["text"] == "Welcome, Ana and Ben. In this conversation each of you will share a feeling, a wish and "
                            "one small thing you’d like to try, while the other listens. You can pause or stop at any "
                            "moment, and both are always okay.");

  // The same transcript reads in Spanish for Ana.
  json spanish = server.get_json("/api/sessions/" + id + "/transcript?partner=a");
  CHECK(spanish["locale"] == "es");
  CHECK(spanish["turns"][0]["text"] != turns[0]["text"]);
  CHECK(spanish["turns"].size() == turns.size());

  // Markdown: title, names, the conversation in order, and what people typed escaped, not markup.
  auto md = server.client().Get(("/api/sessions/" + id + "/transcript.md?locale=en").c_str());
  REQUIRE(md);
  CHECK(md->status == 200);
  CHECK(md->get_header_value("Content-Type") == "text/markdown; charset=utf-8");
  CHECK(md->body.rfind("# I feel, I prefer, I’d like to try\n\nAna · Ben — ", 0) == 0);
  CHECK(md->body.find("**Ana:** mi respuesta en «feel» \\*con\\* \\<b\\>marcas\\</b\\>") != std::string::npos);
  CHECK(md->body.find("**Ben:** my answer at mirror") != std::string::npos);
  CHECK(md->body.find("<b>") == std::string::npos);
}

TEST_CASE("every response carries the security headers, errors included", "[http][security]") {
  TestServer server;
  for (const char* path : {"/", "/api/flows", "/api/nothing", "/missing.js"}) {
    auto res = server.client().Get(path);
    REQUIRE(res);
    INFO(path);
    CHECK(res->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0) == 0);
    CHECK(res->get_header_value("Cache-Control") == "no-store");
    CHECK(res->get_header_value("X-Frame-Options") == "DENY");
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(res->get_header_value("Referrer-Policy") == "no-referrer");
    CHECK_FALSE(res->has_header("Access-Control-Allow-Origin"));
  }
  auto index = server.client().Get("/");
  CHECK(index->status == 200);
  CHECK(index->get_header_value("Content-Type") == "text/html; charset=utf-8");
  auto missing = server.client().Get("/api/nothing");
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("Content-Type") == "application/problem+json; charset=utf-8");
  CHECK(json::parse(missing->body)["code"] == "not-found");
}

TEST_CASE("a foreign Host is refused before any route (DNS rebinding)", "[http][security]") {
  TestServer server;
  auto res = server.client().Get("/api/flows", {{"Host", "evil.example"}});
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(json::parse(res->body)["code"] == "forbidden-host");
  CHECK(res->get_header_value("Cache-Control") == "no-store");
  auto ok = server.client().Get("/api/flows", {{"Host", "localhost:" + std::to_string(server.port())}});
  CHECK(ok->status == 200);
  auto other_port = server.client().Get("/api/flows", {{"Host", "127.0.0.1:1"}});
  CHECK(other_port->status == 403);
}

TEST_CASE("mutations need our own Origin, JSON and a length", "[http][security]") {
  TestServer server;
  std::string body = new_session_body().dump();
  auto foreign = server.post("/api/sessions", body, {{"Origin", "http://evil.example"}});
  CHECK(foreign->status == 403);
  CHECK(json::parse(foreign->body)["code"] == "forbidden-origin");
  auto null_origin = server.post("/api/sessions", body, {{"Origin", "null"}});
  CHECK(null_origin->status == 403);
  auto none = server.client().Post("/api/sessions", {{kCsrfHeader, server.http().csrf()}}, body, "application/json");
  CHECK(none->status == 403);
  auto text = server.client().Post("/api/sessions", {{"Origin", server.origin()}, {kCsrfHeader, server.http().csrf()}}, body, "text/plain");
  CHECK(text->status == 415);
  CHECK(json::parse(text->body)["code"] == "unsupported-media-type");
  // Sent in one write, so the server's early answer cannot race the body (see raw_request).
  std::string chunked = raw_request(server.port(), "POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:" +
                                                       std::to_string(server.port()) + "\r\nOrigin: " + server.origin() +
                                                       "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                                       "2\r\n{}\r\n0\r\n\r\n");
  CHECK(chunked.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(chunked.find("\"code\":\"unsupported-encoding\"") != std::string::npos);
  auto gzip = server.post("/api/sessions", body, {{"Content-Encoding", "gzip"}});
  CHECK(gzip->status == 400);
  std::string huge(70 * 1024, ' ');
  auto big = server.post("/api/sessions", huge);
  CHECK(big->status == 413);
  CHECK(json::parse(big->body)["code"] == "payload-too-large");
}

TEST_CASE("bad input gets a clear problem and stores nothing", "[http]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body(), 201);
  const std::string id = view["id"];
  const std::string input = "/api/sessions/" + id + "/input";
  const std::size_t before = server.stored_events(id);

  auto malformed = server.post(input, "{\"partner\": \"a\", \"value\": ");
  CHECK(malformed->status == 400);
  CHECK(malformed->get_header_value("Content-Type") == "application/problem+json; charset=utf-8");
  json problem = json::parse(malformed->body);
  CHECK(problem["code"] == "malformed-json");
  CHECK(problem["type"] == "urn:tandem:problem:malformed-json");
  CHECK(problem["status"] == 400);
  CHECK(problem["detail"] == "That request couldn’t be read because it isn’t valid JSON.");

  auto invalid_utf8 = server.post(input, "{\"partner\": \"a\", \"value\": \"\xc3\x28\"}");
  CHECK(invalid_utf8->status == 400);
  CHECK(json::parse(invalid_utf8->body)["code"] == "invalid-utf8");

  auto wrong_partner = server.post(input, R"({"partner": "c", "value": "yes", "seq": 1})");
  CHECK(wrong_partner->status == 400);
  CHECK(json::parse(wrong_partner->body)["field"] == "partner");

  auto unknown = server.post("/api/sessions/0123456789abcdef0123456789abcdef/input", R"({"partner": "a", "value": "yes", "seq": 1})");
  CHECK(unknown->status == 404);
  CHECK(json::parse(unknown->body)["code"] == "unknown-session");
  CHECK(server.get_json("/api/sessions/not-an-id?partner=a", 404)["code"] == "unknown-session");

  // Every turn names the state it answers (an old one is a conflict, below); without it, nothing is stored.
  auto no_seq = server.post(input, R"({"partner": "a", "value": "yes"})");
  CHECK(no_seq->status == 400);
  CHECK(json::parse(no_seq->body)["field"] == "seq");

  auto bad_choice = server.post(input, R"({"partner": "a", "value": "perhaps", "seq": 1})");
  CHECK(bad_choice->status == 400);
  // Ana reads Spanish, so her errors are in Spanish.
  CHECK(json::parse(bad_choice->body)["detail"] != "Please choose one of the options shown.");

  auto stale = server.post(input, R"({"partner": "a", "value": "yes", "seq": 99})");
  CHECK(stale->status == 409);
  CHECK(json::parse(stale->body)["seq"] == view["seq"]);

  CHECK(server.stored_events(id) == before);
  CHECK(server.get_json("/api/sessions/" + id + "?partner=a")["seq"] == view["seq"]);

  // Names are checked too.
  json long_name = new_session_body();
  long_name["partners"][1]["name"] = std::string(41, 'x');
  auto too_long = server.post("/api/sessions", long_name.dump());
  CHECK(too_long->status == 400);
  CHECK(json::parse(too_long->body)["code"] == "text-too-long");
  CHECK(json::parse(too_long->body)["max"] == 40);
  auto no_flow = server.post("/api/sessions", R"({"flow": "nope", "partners": [{"name": "A"}, {"name": "B"}]})");
  CHECK(no_flow->status == 404);
  CHECK(json::parse(no_flow->body)["code"] == "unknown-flow");
}

TEST_CASE("pause, resume and stop work through the API for either partner", "[http][consent]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body(), 201);
  const std::string id = view["id"];
  auto path = [&](const char* action) { return "/api/sessions/" + id + "/" + action; };
  view = server.turn(path("pause"), {{"partner", "b"}});
  CHECK(view["status"] == "paused");
  CHECK(view["pause"]["by"] == "b");
  CHECK_FALSE(view["pause"]["grounding"].get<std::string>().empty());
  CHECK(view["input"].is_null());
  CHECK(server.turn(path("input"), {{"partner", "a"}, {"value", "yes"}}, 409)["code"] == "paused");
  view = server.turn(path("resume"), {{"partner", "a"}});
  CHECK(view["pause"]["ready"] == json::array({"a"}));
  view = server.turn(path("resume"), {{"partner", "b"}});
  CHECK(view["status"] == "active");
  CHECK(view["input"]["step"] == "good-time");
  view = server.turn(path("stop"), {{"partner", "a"}});
  CHECK(view["status"] == "stopped");
  CHECK(view["thread"].back()["event"] == "stop");
  CHECK(view["thread"].back()["by"] == "a");
  CHECK(server.turn(path("stop"), {{"partner", "b"}}, 409)["code"] == "ended");
}

TEST_CASE("one partner in Arabic and one in Japanese each read the session in their own language", "[http]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body("ar-EG", "ja-JP"), 201);
  const std::string id = view["id"];
  CHECK(view["locale"] == "ar");
  CHECK(view["dir"] == "rtl");
  json japanese = server.get_json("/api/sessions/" + id + "?partner=b");
  CHECK(japanese["locale"] == "ja");
  CHECK(japanese["dir"] == "ltr");
  // The same welcome, in each partner's language, with the other script's names isolated.
  std::string ar = view["thread"][0]["text"], ja = japanese["thread"][0]["text"];
  CHECK(ar != ja);
  CHECK(ar.find("\u2068Ana\u2069") != std::string::npos);  // a Latin name inside Arabic text
  CHECK(ja.find("Ana") != std::string::npos);
  CHECK(ja.find("\u2068") == std::string::npos);           // no isolation needed in left-to-right Japanese
  const std::string input = "/api/sessions/" + id + "/input";
  server.turn(input, {{"partner", "a"}, {"value", "yes"}});
  server.turn(input, {{"partner", "b"}, {"value", "yes"}});
  json after = server.turn(input, {{"partner", "a"}, {"value", "بالوحدة"}});
  CHECK(after["thread"][after["thread"].size() - 2]["text"] == "بالوحدة");  // typed text, as typed
  // Ben reads Ana's answer as she typed it, marked right to left, inside his Japanese page.
  json ben = server.get_json("/api/sessions/" + id + "?partner=b");
  bool found = false;
  for (const json& entry : ben["thread"]) {
    if (entry["kind"] == "input" && entry["text"] == "بالوحدة") {
      found = true;
      CHECK(entry["typed"] == true);
      CHECK(entry["text_dir"] == "rtl");
    }
  }
  CHECK(found);
  // Transcripts: each in its reader's language; an unknown time zone is a clear error.
  json ar_transcript = server.get_json("/api/sessions/" + id + "/transcript?partner=a&tz=Africa/Cairo");
  json ja_transcript = server.get_json("/api/sessions/" + id + "/transcript?partner=b&tz=Asia/Tokyo");
  CHECK(ar_transcript["locale"] == "ar");
  CHECK(ja_transcript["locale"] == "ja");
  CHECK(ar_transcript["turns"][0]["text"] == ar);
  CHECK(ja_transcript["started"] != ar_transcript["started"]);
  CHECK_FALSE(ja_transcript["started_ago"].get<std::string>().empty());
  json bad_tz = server.get_json("/api/sessions/" + id + "/transcript?tz=Mars/Olympus", 400);
  CHECK(bad_tz["code"] == "invalid-field");
  CHECK(bad_tz["field"] == "tz");
}

TEST_CASE("a feelings picker lists the reader's own vocabulary in its written order", "[http]") {
  TestServer server;
  json body = new_session_body("es", "en");
  body["flow"] = "repair";
  json view = server.post_json("/api/sessions", body, 201);
  const std::string id = view["id"];
  const std::string input = "/api/sessions/" + id + "/input";
  server.turn(input, {{"partner", "a"}, {"value", 8}});
  server.turn(input, {{"partner", "b"}, {"value", 8}});
  json ana = server.turn(input, {{"partner", "a"}, {"value", "me"}});
  REQUIRE(ana["input"]["type"] == "feeling");
  const json& options = ana["input"]["options"];
  auto spanish = nlohmann::ordered_json::parse(read_text(TANDEM_SOURCE_DIR "/locales/es/feelings.arb"));
  std::vector<std::string> expected;
  for (const auto& [key, word] : spanish.items())
    if (!key.starts_with("@")) expected.push_back(word);
  std::vector<std::string> shown;
  for (const json& o : options) shown.push_back(o["value"]);
  CHECK(shown == expected);
  // A word outside Ana's vocabulary is refused, and nothing is stored.
  CHECK(server.turn(input, {{"partner", "a"}, {"value", "hurt"}}, 400)["code"] == "invalid-choice");
  server.turn(input, {{"partner", "a"}, {"value", shown.front()}});
}

TEST_CASE("only the browser that opened the printed address gets in", "[http][security]") {
  TestServer server;
  // Without the cookie: the API refuses, and the page says calmly what to do.
  auto api = server.anonymous().Get("/api/flows");
  CHECK(api->status == 401);
  CHECK(json::parse(api->body)["code"] == "not-signed-in");
  auto page = server.anonymous().Get("/");
  CHECK(page->status == 401);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("?token=") != std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0) == 0);
  CHECK(server.anonymous().Get("/?token=wrong")->status == 401);
  // The printed address sets an HttpOnly, SameSite=Strict cookie and takes the secret out of the URL.
  const std::string& address = server.http().address();
  REQUIRE(address.rfind("http://127.0.0.1:" + std::to_string(server.port()) + "/?token=", 0) == 0);
  auto exchange = server.anonymous().Get(address.substr(address.find("/?token=")).c_str());
  CHECK(exchange->status == 303);
  CHECK(exchange->get_header_value("Location") == "/");
  CHECK(exchange->get_header_value("Set-Cookie") ==
        "tandem=" + server.http().secret() + "; HttpOnly; SameSite=Strict; Path=/");
  // A foreign Host cannot use the exchange either (DNS rebinding).
  auto rebound = server.anonymous().Get(address.substr(address.find("/?token=")).c_str(), {{"Host", "evil.example"}});
  CHECK(rebound->status == 403);
  // With the cookie: in, and the page can fetch its CSRF token.
  CHECK(server.client().Get("/api/flows")->status == 200);
  CHECK(json::parse(server.client().Get("/api/csrf")->body)["csrf"] == server.http().csrf());
}

TEST_CASE("mutations need the CSRF token and an idempotency key; a retry writes nothing twice", "[http][security]") {
  TestServer server;
  std::string body = new_session_body().dump();
  auto no_csrf = server.post("/api/sessions", body, {{kCsrfHeader, "wrong"}});
  CHECK(no_csrf->status == 403);
  CHECK(json::parse(no_csrf->body)["code"] == "forbidden-csrf");
  auto no_key = server.post("/api/sessions", body, {{"Idempotency-Key", ""}});
  CHECK(no_key->status == 400);
  CHECK(json::parse(no_key->body)["field"] == "Idempotency-Key");

  auto created = server.post("/api/sessions", body, {{"Idempotency-Key", "start-1"}});
  REQUIRE(created->status == 201);
  auto again = server.post("/api/sessions", body, {{"Idempotency-Key", "start-1"}});
  REQUIRE(again->status == 201);
  const std::string id = json::parse(created->body)["id"];
  CHECK(json::parse(again->body)["id"] == id);  // the same session, not a second one

  std::string answer = R"({"partner": "a", "value": "yes", "seq": 1})";
  auto first = server.post("/api/sessions/" + id + "/input", answer, {{"Idempotency-Key", "turn-1"}});
  REQUIRE(first->status == 200);
  std::size_t stored = server.stored_events(id);
  auto retry = server.post("/api/sessions/" + id + "/input", answer, {{"Idempotency-Key", "turn-1"}});
  CHECK(retry->status == 200);
  CHECK(json::parse(retry->body)["seq"] == json::parse(first->body)["seq"]);
  CHECK(server.stored_events(id) == stored);
  // The same key for a different session is a mistake, not a retry.
  auto other = server.post("/api/sessions", body, {{"Idempotency-Key", "start-2"}});
  const std::string other_id = json::parse(other->body)["id"];
  auto misuse = server.post("/api/sessions/" + other_id + "/input", answer, {{"Idempotency-Key", "turn-1"}});
  CHECK(misuse->status == 400);
  CHECK(json::parse(misuse->body)["field"] == "Idempotency-Key");
  CHECK(server.stored_events(other_id) == 1);
  // A key that was committed, sent again with a new request at the current seq, is refused too
  // (not taken for a retry of the old one), and nothing is stored.
  json now = server.get_json("/api/sessions/" + id + "?partner=b");
  json next = {{"partner", "b"}, {"value", now["input"]["options"][0]["value"]}, {"seq", now["seq"]}};
  auto reused = server.post("/api/sessions/" + id + "/input", next.dump(), {{"Idempotency-Key", "turn-1"}});
  CHECK(reused->status == 400);
  CHECK(json::parse(reused->body)["field"] == "Idempotency-Key");
  CHECK(server.stored_events(id) == stored);
}

TEST_CASE("requests cpp-httplib 0.11.4 would mishandle are refused before any route", "[http][security]") {
  TestServer server;
  // A client-sent REMOTE_ADDR would shadow the real one.
  auto spoofed = server.client().Get("/api/flows", {{"REMOTE_ADDR", "10.0.0.1"}});
  CHECK(spoofed->status == 400);
  CHECK(json::parse(spoofed->body)["field"] == "REMOTE_ADDR");
  // Floods of headers.
  httplib::Headers many;
  for (int i = 0; i < 70; ++i) many.emplace("X-Filler-" + std::to_string(i), "x");
  auto flood = server.client().Get("/api/flows", many);
  CHECK(flood->status == 431);
  CHECK(json::parse(flood->body)["code"] == "headers-too-large");
  // A many-part Range request would multiply a response.
  auto ranged = server.client().Get("/app.js", {{"Range", "bytes=0-1,0-1,0-1,0-1,0-1,0-1"}});
  CHECK(ranged->status == 400);
  CHECK(json::parse(ranged->body)["code"] == "unsupported-encoding");
}

namespace {
// A store whose reads fail the way a broken disk might: by throwing.
class ThrowingStore final : public SessionStore {
 public:
  Status create_session(const SessionRecord&, const std::vector<PinnedFlow>&, const StoredEvent&) override { return Ok{}; }
  Result<std::optional<SessionRecord>> find_session(const std::string&) override { throw std::runtime_error("disk says /secret/path"); }
  Result<std::vector<SessionRecord>> list_sessions() override { return std::vector<SessionRecord>(); }
  Result<std::string> flow_source(const std::string&) override { throw std::runtime_error("disk"); }
  Result<std::vector<StoredEvent>> events(const std::string&) override { throw std::runtime_error("disk"); }
  Status append(const std::string&, const StoredEvent&, const std::optional<std::string>&) override { return Ok{}; }
  Result<std::vector<AgreementVersion>> agreements() override { return std::vector<AgreementVersion>(); }
  Result<std::optional<IdempotentWrite>> find_idempotent(const std::string&) override { return std::optional<IdempotentWrite>(); }
  Status delete_session(const std::string&) override { throw std::runtime_error("disk"); }
  Status delete_everything() override { throw std::runtime_error("disk"); }
  Status delete_sessions(const std::vector<std::string>&) override { throw std::runtime_error("disk"); }
  Result<std::vector<SearchHit>> search(const std::string&) override { throw std::runtime_error("disk"); }
  Status reindex(const std::string&, const std::vector<SearchText>&) override { throw std::runtime_error("disk"); }
  Result<std::optional<std::string>> setting(const std::string&) override { return std::optional<std::string>(); }
  Status put_setting(const std::string&, const std::optional<std::string>&) override { throw std::runtime_error("disk"); }
  Result<std::vector<std::string>> idle_sessions(std::int64_t) override { throw std::runtime_error("disk"); }
};
}  // namespace

TEST_CASE("an exception in a handler becomes a generic 500 that leaks nothing", "[http][security]") {
  TestServer server(std::make_unique<ThrowingStore>());
  auto res = server.client().Get("/api/sessions/0123456789abcdef0123456789abcdef?partner=a");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(json::parse(res->body)["code"] == "internal");
  CHECK_FALSE(res->has_header("EXCEPTION_WHAT"));
  CHECK(res->body.find("secret") == std::string::npos);
  CHECK(res->get_header_value("Cache-Control") == "no-store");
}

TEST_CASE("storage faults reach the page as 503 with a retry hint and 507, localized", "[http][faults]") {
  TempDir dir;
  std::string path = dir.path() + "/tandem.db";
  std::string id;
  {
    TestServer setup(std::move(*open_sqlite_store(path)));
    id = setup.post_json("/api/sessions", new_session_body("es", "en"), 201)["id"];
  }
  // Busy: another program holds the database.
  {
    TestServer server(std::move(*open_sqlite_store(path)));
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto busy = server.post("/api/sessions/" + id + "/input", R"({"partner": "a", "value": "yes", "seq": 1})");
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    REQUIRE(busy);
    CHECK(busy->status == 503);
    CHECK(busy->get_header_value("Retry-After") == "1");
    CHECK(json::parse(busy->body)["detail"] != "");  // in Ana's Spanish, from the catalog
  }
  // Full: the database may not grow past its size now (SQLite never shrinks the limit below it).
  TestServer server(std::move(*open_sqlite_store(path, StoreOptions{1})));
  int status = 201;
  std::string body;
  for (int i = 0; i < 100 && status == 201; ++i) {
    auto full = server.post("/api/sessions", new_session_body().dump());
    REQUIRE(full);
    status = full->status;
    body = full->body;
  }
  CHECK(status == 507);
  CHECK(json::parse(body)["code"] == "storage-full");
}

TEST_CASE("the history lists sessions; transcripts export as plain text and a printable page", "[http]") {
  TestServer server;
  json first = server.post_json("/api/sessions", new_session_body("ar", "en"), 201);
  json view = walk(server, first);
  json second = server.post_json("/api/sessions", new_session_body("es", "en"), 201);
  const std::string id = view["id"];

  json history = server.get_json("/api/sessions?locale=es&tz=Europe/Madrid");
  REQUIRE(history["sessions"].size() == 2);
  for (const json& s : history["sessions"]) {
    for (const char* field : {"id", "flow", "partners", "status", "started_at", "started", "started_ago"}) CHECK(s.contains(field));
    CHECK(s["partners"]["a"] == "Ana");
  }
  std::set<std::string> statuses;
  for (const json& s : history["sessions"]) statuses.insert(s["status"]);
  CHECK(statuses == std::set<std::string>{"active", "completed"});

  auto text = server.client().Get(("/api/sessions/" + id + "/transcript.txt?locale=en").c_str());
  REQUIRE(text);
  CHECK(text->status == 200);
  CHECK(text->get_header_value("Content-Type") == "text/plain; charset=utf-8");
  CHECK(text->get_header_value("Content-Disposition") == "attachment; filename=\"tandem-" + id.substr(0, 8) + ".txt\"");
  CHECK(text->body.rfind("I feel, I prefer, I’d like to try\nAna · Ben — ", 0) == 0);
  CHECK(text->body.find("\nBen: my answer at mirror\n") != std::string::npos);

  // The printable page: the reader's language and direction, user text escaped, only our own CSS.
  auto page = server.client().Get(("/api/sessions/" + id + "/transcript.html?partner=a").c_str());
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("<html lang=\"ar\" dir=\"rtl\">") != std::string::npos);
  CHECK(page->body.find("<link rel=\"stylesheet\" href=\"/print.css\">") != std::string::npos);
  CHECK(page->body.find("&lt;b&gt;marcas&lt;/b&gt;") != std::string::npos);
  CHECK(page->body.find("<b>marcas</b>") == std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").rfind("default-src 'none'", 0) == 0);
  auto css = server.client().Get("/print.css");
  CHECK(css->status == 200);
  CHECK(css->get_header_value("Content-Type") == "text/css; charset=utf-8");
  CHECK(server.get_json("/api/sessions/" + id + "/transcript.pdf", 404)["code"] == "not-found");
}

TEST_CASE("deleting over HTTP: one session, or everything with an explicit confirmation", "[http][privacy]") {
  TestServer server;
  std::string id = server.post_json("/api/sessions", new_session_body(), 201)["id"];
  std::string other = server.post_json("/api/sessions", new_session_body(), 201)["id"];
  CHECK(server.post_json("/api/sessions/" + id + "/delete", json::object())["deleted"] == id);
  CHECK(server.get_json("/api/sessions/" + id + "?partner=a", 404)["code"] == "unknown-session");
  CHECK(server.post_json("/api/sessions/" + id + "/delete", json::object(), 404)["code"] == "unknown-session");
  CHECK(server.post_json("/api/delete-everything", {{"confirm", "yes"}}, 400)["field"] == "confirm");
  CHECK(server.get_json("/api/sessions")["sessions"].size() == 1);
  CHECK(server.post_json("/api/delete-everything", {{"confirm", "delete everything"}})["deleted"] == "everything");
  CHECK(server.get_json("/api/sessions")["sessions"].empty());
  CHECK(server.get_json("/api/sessions/" + other + "?partner=a", 404)["code"] == "unknown-session");
}

namespace {

// Appends `delta`'s entries to `held` after checking the answer says what it carries.
void merge_thread(json& held, const json& delta, std::uint64_t after) {
  REQUIRE(delta["thread_after"] == after);
  for (const json& entry : delta["thread"]) {
    CHECK(entry["seq"].get<std::uint64_t>() > after);
    held.push_back(entry);
  }
}

// A 400 invalid-field problem about `field`, with a sentence saying what is wrong.
void check_invalid_field(const httplib::Result& res, const std::string& field) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 400);
  json problem = json::parse(res->body);
  CHECK(problem["code"] == "invalid-field");
  CHECK(problem["field"] == field);
  CHECK_FALSE(problem["detail"].get<std::string>().empty());
}

// What each partner's page holds: the thread, up to a seq.
using Held = std::map<std::string, std::pair<json, std::uint64_t>>;

// Starts `flow` with partners in Spanish and Arabic; the page holds what partner a was shown.
json start_held(const TestServer& server, const char* flow, Held& held) {
  json body = new_session_body("es", "ar");
  body["flow"] = flow;
  json view = server.post_json("/api/sessions", body, 201);
  held["a"] = {view["thread"], view["seq"]};
  held["b"] = {json::array(), 0};
  return view;
}

}  // namespace

TEST_CASE("with after, views and turns carry only the entries that follow; merged, they are the whole thread",
          "[http]") {
  TestServer server;
  for (const char* flow : {"feel-prefer-try", "agreement-review"}) {
    DYNAMIC_SECTION(flow) {
      Held held;
      json view = start_held(server, flow, held);
      const std::string path = "/api/sessions/" + view["id"].get<std::string>();
      int turns = 0;
      for (; turns < 100 && !view["awaiting"].empty(); ++turns) {
        const std::string partner = view["awaiting"][0];
        auto& [thread, seq] = held[partner];
        // The partner's page catches up with what it missed, then answers.
        json caught_up = server.get_json(path + "?partner=" + partner + "&after=" + std::to_string(seq));
        merge_thread(thread, caught_up, seq);
        seq = caught_up["seq"];
        view = server.post_json(path + "/input", {{"partner", partner},
                                                  {"value", some_answer(caught_up["input"], partner)},
                                                  {"seq", seq},
                                                  {"after", seq}});
        merge_thread(thread, view, seq);
        seq = view["seq"];
        // Merged, the page holds exactly the whole thread a fresh view gives, private answers
        // included for their author only.
        json full = server.get_json(path + "?partner=" + partner);
        REQUIRE(thread == full["thread"]);
        CHECK_FALSE(full.contains("thread_after"));
      }
      CHECK(view["status"] == "completed");
      CHECK(turns > 10);
      // Caught up: nothing more to carry.
      json none = server.get_json(path + "?partner=a&after=" + view["seq"].dump());
      CHECK(none["thread"].empty());
      CHECK(none["seq"] == view["seq"]);
    }
  }
}

TEST_CASE("a bad after is refused with a clear problem, and nothing is stored", "[http]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body("es", "en"), 201);
  const std::string path = "/api/sessions/" + view["id"].get<std::string>();
  auto refused = [](httplib::Result res) { check_invalid_field(res, "after"); };
  for (const char* after : {"2", "abc", "-1", "1.5", "", "99999999999999999999"})
    refused(server.client().Get((path + "?partner=a&after=" + after).c_str()));
  for (json after : {json(2), json("1"), json(-1), json(1.5), json::array()}) {
    refused(server.post(path + "/input", json{{"partner", "a"}, {"value", "ok"}, {"seq", 1}, {"after", after}}.dump()));
  }
  CHECK(server.stored_events(view["id"]) == 1);
  // A turn's answer may start from its own seq (after == seq).
  json answered =
      server.post_json(path + "/input", {{"partner", "a"}, {"value", some_answer(view["input"], "a")}, {"seq", 1}, {"after", 1}});
  CHECK(answered["thread_after"] == 1);
}

TEST_CASE("on a shared device a turn that passes to the other partner carries their view as next", "[http]") {
  TestServer server;
  for (const char* flow : {"feel-prefer-try", "agreement-review"}) {
    DYNAMIC_SECTION(flow) {
      Held held;
      json view = start_held(server, flow, held);
      const std::string path = "/api/sessions/" + view["id"].get<std::string>();
      int turns = 0, passed = 0;
      // Walked by turns alone: each answer says whose turn it is and brings that partner's view.
      for (; turns < 100 && !view["awaiting"].empty(); ++turns) {
        const std::string partner = view["awaiting"][0];
        const std::string other = partner == "a" ? "b" : "a";
        REQUIRE(view["viewer"] == partner);
        auto& [thread, seq] = held[partner];
        auto& [other_thread, other_seq] = held[other];
        const std::uint64_t other_after = other_seq;
        json answered = server.post_json(path + "/input", {{"partner", partner},
                                                           {"value", some_answer(view["input"], partner)},
                                                           {"seq", view["seq"]},
                                                           {"after", seq},
                                                           {"next_after", other_after}});
        merge_thread(thread, answered, seq);
        seq = answered["seq"];
        const bool passes = !answered["awaiting"].empty() && answered["awaiting"][0] == other;
        REQUIRE(answered.contains("next") == passes);
        if (!passes) {
          view = answered;
          continue;
        }
        ++passed;
        json next = answered["next"];
        // Exactly what that partner would have asked for, in their language, with their private
        // answers and never the other's.
        json fetched = server.get_json(path + "?partner=" + other + "&after=" + std::to_string(other_after));
        REQUIRE(next == fetched);
        CHECK(next["viewer"] == other);
        CHECK(next["locale"] == (other == "a" ? "es" : "ar"));
        merge_thread(other_thread, next, other_after);
        other_seq = next["seq"];
        REQUIRE(other_thread == server.get_json(path + "?partner=" + other)["thread"]);
        view = next;
      }
      CHECK(view["status"] == "completed");
      CHECK(turns > 10);
      CHECK(passed > 5);
    }
  }
}

TEST_CASE("a bad next_after is refused with a clear problem, and nothing is stored", "[http]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body("es", "en"), 201);
  const std::string path = "/api/sessions/" + view["id"].get<std::string>();
  for (json next_after : {json(2), json("0"), json(-1), json(1.5), json::array(), json::object()}) {
    INFO(next_after.dump());
    check_invalid_field(server.post(path + "/input", json{{"partner", "a"},
                                                          {"value", some_answer(view["input"], "a")},
                                                          {"seq", 1},
                                                          {"next_after", next_after}}.dump()),
                        "next_after");
  }
  // Pause, resume and stop read it the same way.
  check_invalid_field(server.post(path + "/pause", json{{"partner", "a"}, {"seq", 1}, {"next_after", "0"}}.dump()), "next_after");
  CHECK(server.stored_events(view["id"]) == 1);
  // Without it, no next: the answer stays as it was.
  json answered = server.post_json(path + "/input", {{"partner", "a"}, {"value", some_answer(view["input"], "a")}, {"seq", 1}});
  CHECK_FALSE(answered.contains("next"));
}

namespace {

// The backlog of the TCP socket listening on 127.0.0.1:`port`, as the kernel reports it to `ss`
// (sock_diag over netlink: for a listening socket, idiag_wqueue is its backlog). -1 if not found.
int listen_backlog(int port) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  REQUIRE(fd >= 0);
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } ask{};
  ask.header.nlmsg_len = sizeof ask;
  ask.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  ask.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  ask.request.sdiag_family = AF_INET;
  ask.request.sdiag_protocol = IPPROTO_TCP;
  ask.request.idiag_states = 1u << TCP_LISTEN;
  REQUIRE(::send(fd, &ask, sizeof ask, 0) == static_cast<ssize_t>(sizeof ask));
  int backlog = -1;
  alignas(nlmsghdr) char buffer[16384];
  for (bool more = true; more;) {
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    REQUIRE(got > 0);
    int left = static_cast<int>(got);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        more = false;
        break;
      }
      const auto* socket = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      if (ntohs(socket->id.idiag_sport) == port) backlog = static_cast<int>(socket->idiag_wqueue);
    }
  }
  ::close(fd);
  return backlog;
}

}  // namespace

TEST_CASE("the server listens with the system's backlog, not cpp-httplib's 5", "[http]") {
  // With 5, a page opening its connections at once could overflow it, and a dropped connect is
  // only tried again a second later.
  TestServer server;
  int backlog = listen_backlog(server.port());
  INFO("backlog " << backlog);
  CHECK(backlog > 64);
  // And it still answers, every connection of a burst included.
  std::vector<std::thread> burst;
  std::atomic<int> answered{0};
  for (int i = 0; i < 32; ++i)
    burst.emplace_back([&] {
      if (auto res = server.anonymous().Get("/api/me"); res && res->status == 401) ++answered;
    });
  for (auto& t : burst) t.join();
  CHECK(answered == 32);
}
