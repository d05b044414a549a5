// Two devices (pairing codes, what a joined device may reach, live event streams) and slow
// clients, through the real server in-process.
#include <catch2/catch.hpp>

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <regex>

#include "http/pairing.h"
#include "http_support.h"

using namespace tandem;
using namespace tandem::testing;
using nlohmann::json;

namespace {

// A second browser: it never saw the printed address, only the pairing code.
struct Device {
  const TestServer& server;
  std::string cookie;  // "tandem_device=…"

  httplib::Client client() const {
    httplib::Client c = server.anonymous();
    c.set_default_headers({{"Cookie", cookie}});
    return c;
  }
  httplib::Result get(const std::string& path) const { return client().Get(path.c_str()); }
  httplib::Result post(const std::string& path, const json& body) const {
    std::string csrf = json::parse(get("/api/csrf")->body)["csrf"];
    static std::atomic<int> key{0};
    httplib::Headers headers = {{"Origin", server.origin()},
                                {kCsrfHeader, csrf},
                                {"Idempotency-Key", "device-" + std::to_string(++key)}};
    return client().Post(path.c_str(), headers, body.dump(), "application/json");
  }
};

std::string problem_code(const httplib::Result& res) {
  REQUIRE(res);
  INFO(res->body);
  return json::parse(res->body).value("code", "");
}

// Opens the pairing link the way a browser does and returns the device's cookie.
std::string join(const TestServer& server, const std::string& code) {
  auto res = server.anonymous().Get(("/join?code=" + code).c_str());
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 303);
  std::string cookie = res->get_header_value("Set-Cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  return cookie.substr(0, cookie.find(';'));
}

// Reads a live event stream on its own thread until stopped; keeps every `view` event.
class StreamReader {
 public:
  StreamReader(httplib::Client client, std::string path) : client_(std::move(client)), path_(std::move(path)) {
    thread_ = std::thread([this] {
      client_.Get(path_.c_str(), [this](const char* data, std::size_t size) {
        std::lock_guard lock(mutex_);
        raw_.append(data, size);
        return !stop_;
      });
    });
  }
  ~StreamReader() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    thread_.join();
  }
  // Every view received so far.
  std::vector<json> views() {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    static const std::regex event("event: view\ndata: ([^\n]*)\n\n");
    for (std::sregex_iterator it(raw_.begin(), raw_.end(), event), end; it != end; ++it) out.push_back(json::parse((*it)[1].str()));
    return out;
  }
  std::string raw() {
    std::lock_guard lock(mutex_);
    return raw_;
  }
  // The latest view with the thread the page holds after joining every event to the ones before
  // it: the first carries the whole thread, each later one the entries after the one before.
  json merged() {
    auto all = views();
    REQUIRE_FALSE(all.empty());
    CHECK_FALSE(all.front().contains("thread_after"));
    json thread = json::array();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0) REQUIRE(all[i]["thread_after"] == all[i - 1]["seq"]);
      for (json& entry : all[i]["thread"]) {
        if (i > 0) CHECK(entry["seq"] > all[i - 1]["seq"]);
        thread.push_back(std::move(entry));
      }
    }
    json latest = all.back();
    latest["thread"] = std::move(thread);
    latest.erase("thread_after");
    return latest;
  }
  // Waits (up to five seconds) for a view with at least `seq`.
  json wait_for(std::uint64_t seq) {
    return wait_until([&](const json& view) { return view["seq"].get<std::uint64_t>() >= seq; });
  }
  // Waits (up to five seconds) until the latest view satisfies `wanted`.
  json wait_until(const std::function<bool(const json&)>& wanted) {
    for (int i = 0; i < 500; ++i) {
      auto all = views();
      if (!all.empty() && wanted(all.back())) return all.back();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the view waited for did not arrive; stream so far: " << raw());
    return {};
  }

 private:
  httplib::Client client_;
  std::string path_;
  std::mutex mutex_;
  std::string raw_;
  bool stop_ = false;
  std::thread thread_;
};

HttpOptions quick_streams() {
  HttpOptions options = test_http_options();
  options.keep_alive_every = std::chrono::milliseconds(100);  // so a stopped reader notices soon
  return options;
}

}  // namespace

TEST_CASE("pairing codes are single use, expire, and wrong guesses are rate limited", "[http][pairing]") {
  Pairing pairing(PairingLimits{1000, 3, 60'000});
  PairingCode code = pairing.issue("s1", Partner::B, 0);
  CHECK(code.code.size() == 6);
  CHECK(pairing.outstanding("s1", 10)->code == code.code);
  CHECK_FALSE(pairing.joined("s1", Partner::B));
  auto token = pairing.redeem(code.code, 10);
  REQUIRE(token.ok());
  CHECK(pairing.device(*token)->session == "s1");
  CHECK(pairing.device(*token)->partner == Partner::B);
  CHECK(pairing.joined("s1", Partner::B));
  CHECK_FALSE(pairing.outstanding("s1", 10));
  CHECK(pairing.redeem(code.code, 20).error().code == "pairing-code");  // used

  PairingCode late = pairing.issue("s2", Partner::A, 100);
  CHECK(pairing.redeem(late.code, 100 + 1000).error().code == "pairing-code");  // expired
  // A fresh code replaces the earlier one of the same session.
  PairingCode first = pairing.issue("s3", Partner::B, 2000);
  PairingCode second = pairing.issue("s3", Partner::B, 2000);
  if (first.code != second.code) CHECK(pairing.redeem(first.code, 2001).error().code == "pairing-code");
  // Three wrong guesses in a window: even the right code waits until the window passes.
  Pairing guarded(PairingLimits{600'000, 3, 60'000});
  PairingCode right = guarded.issue("s4", Partner::B, 0);
  std::string wrong = right.code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 3; ++i) CHECK(guarded.redeem(wrong, 1000 + i).error().code == "pairing-code");
  CHECK(guarded.redeem(right.code, 2000).error().code == "too-many-tries");
  CHECK(guarded.redeem(right.code, 60'000).ok());
  // Deleting a session signs its devices out.
  pairing.forget("s1");
  CHECK_FALSE(pairing.device(*token));
}

TEST_CASE("a joined device takes part as its own partner, in its own session, and nothing else", "[http][pairing]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body("es", "en"), 201);
  const std::string id = view["id"];
  CHECK(view["devices"] == "one");
  json other = server.post_json("/api/sessions", new_session_body(), 201);

  json pair = server.post_json("/api/sessions/" + id + "/pair", {{"partner", "b"}}, 201);
  const std::string code = pair["code"];
  CHECK(std::regex_match(code, std::regex("[0-9]{6}")));
  CHECK(pair["link"] == server.origin() + "/join?code=" + code);
  CHECK(pair["expires_in"] == 600);
  CHECK(server.get_json("/api/sessions/" + id + "?partner=a")["pairing"]["code"] == code);

  // The join page: a wrong code gets a calm, localized page with the field to try again.
  httplib::Client english = server.anonymous();
  english.set_default_headers({{"Accept-Language", "en"}});
  auto wrong = english.Get("/join?code=12345");
  REQUIRE(wrong);
  CHECK(wrong->status == 400);
  CHECK(wrong->body.find("That code didn’t work.") != std::string::npos);
  CHECK(wrong->body.find("<form method=\"get\" action=\"/join\">") != std::string::npos);
  CHECK(wrong->get_header_value("Content-Security-Policy").find("form-action 'self'") != std::string::npos);
  auto page = english.Get("/join");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("Join your partner’s conversation") != std::string::npos);
  auto css = english.Get("/join.css");
  REQUIRE(css);
  CHECK(css->status == 200);
  // Spaces and dashes people type between the digits do not matter.
  Device device{server, join(server, code.substr(0, 3) + "-" + code.substr(3))};
  auto again = server.anonymous().Get(("/join?code=" + code).c_str());
  CHECK(again->status == 400);  // single use

  auto me = device.get("/api/me");
  REQUIRE(me->status == 200);
  CHECK(json::parse(me->body) == json{{"role", "partner"}, {"session", id}, {"partner", "b"}});
  CHECK(server.get_json("/api/me") == json{{"role", "owner"}});
  auto own = device.get("/api/sessions/" + id + "?partner=b");
  REQUIRE(own->status == 200);
  CHECK(json::parse(own->body)["devices"] == "two");
  CHECK(json::parse(own->body)["pairing"].is_null());
  CHECK(device.get("/")->status == 200);
  CHECK(device.get("/api/ui")->status == 200);

  // Everything else is out of reach for the device…
  for (const std::string& path : std::vector<std::string>{"/api/sessions/" + id + "?partner=a", "/api/sessions", "/api/agreement",
                                  "/api/sessions/" + other["id"].get<std::string>() + "?partner=b",
                                  "/api/sessions/" + id + "/transcript?partner=a", "/api/sessions/" + id + "/transcript"}) {
    INFO(path);
    auto res = device.get(path);
    CHECK(res->status == 403);
    CHECK(problem_code(res) == "forbidden-device");
  }
  CHECK(problem_code(device.post("/api/sessions/" + id + "/input", {{"partner", "a"}, {"value", "yes"}, {"seq", 1}})) ==
        "forbidden-device");
  CHECK(problem_code(device.post("/api/sessions/" + id + "/pair", {{"partner", "b"}})) == "forbidden-device");
  CHECK(problem_code(device.post("/api/delete-everything", {{"confirm", "delete everything"}})) == "forbidden-device");
  // …and the first device no longer sees or acts as the partner who joined elsewhere.
  auto owner_as_b = server.client().Get(("/api/sessions/" + id + "?partner=b").c_str());
  CHECK(owner_as_b->status == 403);
  CHECK(problem_code(owner_as_b) == "partner-on-other-device");
  CHECK(json::parse(owner_as_b->body)["detail"] == "This partner is taking part on their own device, so their side of the conversation stays there.");
  CHECK(server.post_json("/api/sessions/" + id + "/input", {{"partner", "b"}, {"value", "yes"}, {"seq", 1}}, 403)["code"] ==
        "partner-on-other-device");
  CHECK(server.get_json("/api/sessions/" + id + "?partner=a")["devices"] == "two");

  // Both take their turns, each from their own device. Asking for the next partner's view
  // (next_after, as a shared device does) brings nothing: neither may read the other's side.
  view = server.post_json("/api/sessions/" + id + "/input", {{"partner", "a"}, {"value", "yes"}, {"seq", 1}, {"next_after", 0}});
  CHECK(view["awaiting"] == json::array({"b"}));
  CHECK_FALSE(view.contains("next"));
  auto turn = device.post("/api/sessions/" + id + "/input",
                          {{"partner", "b"}, {"value", "yes"}, {"seq", view["seq"]}, {"next_after", 0}});
  REQUIRE(turn->status == 200);
  CHECK(json::parse(turn->body)["seq"] == 3);
  CHECK_FALSE(json::parse(turn->body).contains("next"));
  CHECK(device.get("/api/sessions/" + id + "/transcript.md?partner=b")->status == 200);

  // Deleting the session signs the device out.
  server.post_json("/api/sessions/" + id + "/delete", json::object());
  CHECK(device.get("/api/me")->status == 401);
}

TEST_CASE("too many wrong pairing codes are refused for a while", "[http][pairing]") {
  TestServer server;
  json view = server.post_json("/api/sessions", new_session_body(), 201);
  std::string code = server.post_json("/api/sessions/" + view["id"].get<std::string>() + "/pair", {{"partner", "b"}}, 201)["code"];
  std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) CHECK(server.anonymous().Get(("/join?code=" + wrong).c_str())->status == 400);
  auto refused = server.anonymous().Get(("/join?code=" + code).c_str());
  CHECK(refused->status == 429);
  CHECK(refused->body.find("wait a minute") != std::string::npos);
}

TEST_CASE("each partner's live stream carries their own view, never the other's private answers", "[http][pairing]") {
  TestServer server(nullptr, quick_streams());
  json body = new_session_body("en", "en");
  body["flow"] = "agreement-review";
  json view = server.post_json("/api/sessions", body, 201);
  const std::string id = view["id"];
  Device device{server, join(server, server.post_json("/api/sessions/" + id + "/pair", {{"partner", "b"}}, 201)["code"])};

  StreamReader ana(server.client(), "/api/sessions/" + id + "/events?partner=a");
  StreamReader ben(device.client(), "/api/sessions/" + id + "/events?partner=b");
  CHECK(ana.wait_for(1)["viewer"] == "a");
  CHECK(ben.wait_for(1)["viewer"] == "b");

  // Comfort check, then the private list: Ana's answers reach her stream only.
  view = server.post_json("/api/sessions/" + id + "/input", {{"partner", "a"}, {"value", 8}, {"seq", 1}});
  CHECK(ben.wait_for(view["seq"])["seq"] == view["seq"]);  // Ben sees the turn at once
  auto turn = device.post("/api/sessions/" + id + "/input", {{"partner", "b"}, {"value", 8}, {"seq", view["seq"]}});
  REQUIRE(turn->status == 200);
  view = ana.wait_for(json::parse(turn->body)["seq"]);
  REQUIRE(view["input"]["step"] == "wishes");
  json wishes = json::array({"yes", "yes", "maybe", "no", "yes", "no", "maybe", "no", "no", "no"});
  view = server.post_json("/api/sessions/" + id + "/input", {{"partner", "a"}, {"value", wishes}, {"seq", view["seq"]}});
  json ana_now = ana.wait_for(view["seq"]);
  json ben_now = ben.wait_for(view["seq"]);
  // Ana's own stream shows her private answer; Ben's has no trace of it.
  auto private_entries = [](const json& v) {
    std::vector<json> out;
    for (const json& e : v["thread"])
      if (e["step"] == "wishes" && e.value("by", "") == "a" && e["kind"] == "input") out.push_back(e);
    return out;
  };
  REQUIRE(private_entries(ana_now).size() == 1);
  const std::string private_text = private_entries(ana_now)[0]["text"];
  REQUIRE_FALSE(private_text.empty());
  for (const json& v : ben.views()) CHECK(private_entries(v).empty());
  CHECK(ben.raw().find(private_text) == std::string::npos);
  CHECK(ben.raw().find("\"viewer\":\"a\"") == std::string::npos);
  CHECK(ben_now["input"]["step"] == "wishes");  // still Ben's turn to answer privately

  // The owner cannot open Ben's stream; Ben's device cannot open Ana's.
  auto owner_b = server.client().Get(("/api/sessions/" + id + "/events?partner=b").c_str());
  CHECK(owner_b->status == 403);
  auto device_a = device.get("/api/sessions/" + id + "/events?partner=a");
  CHECK(device_a->status == 403);
}

TEST_CASE("the first device's stream shows at once that the other device joined", "[http][pairing]") {
  TestServer server(nullptr, quick_streams());
  json view = server.post_json("/api/sessions", new_session_body(), 201);
  const std::string id = view["id"];
  StreamReader owner(server.client(), "/api/sessions/" + id + "/events?partner=a");
  CHECK(owner.wait_for(1)["devices"] == "one");
  std::string code = server.post_json("/api/sessions/" + id + "/pair", {{"partner", "b"}}, 201)["code"];
  CHECK(owner.wait_until([](const json& v) { return v["pairing"].is_object(); })["pairing"]["code"] == code);
  join(server, code);
  json joined = owner.wait_until([](const json& v) { return v["devices"] == "two"; });
  CHECK(joined["seq"] == 1);  // nothing was said: only who is where changed
  CHECK(joined["pairing"].is_null());
}

TEST_CASE("live streams are limited, and end when the session is deleted", "[http][pairing]") {
  HttpOptions options = quick_streams();
  options.max_streams = 2;
  TestServer server(nullptr, options);
  json view = server.post_json("/api/sessions", new_session_body(), 201);
  const std::string id = view["id"];
  const std::string path = "/api/sessions/" + id + "/events?partner=a";
  auto first = std::make_unique<StreamReader>(server.client(), path);
  StreamReader second(server.client(), path);
  first->wait_for(1);
  second.wait_for(1);
  auto third = server.client().Get(path.c_str());
  REQUIRE(third);
  CHECK(third->status == 503);
  CHECK(third->get_header_value("Retry-After") == "1");
  first.reset();  // a stream that ends frees its place
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    httplib::Client c = server.client();
    c.set_read_timeout(0, 300'000);
    auto res = c.Get(path.c_str(), [](const char*, std::size_t) { return false; });
    reopened = !res || res->status != 503;
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(reopened);
  // Deleting the session ends its streams.
  server.post_json("/api/sessions/" + id + "/delete", json::object());
  std::string before = second.raw();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(second.raw().find("data:", before.size()) == std::string::npos);
}

TEST_CASE("clients that send a request a byte at a time cannot hold every worker", "[http][security]") {
  HttpOptions options = test_http_options();
  options.threads = 4;
  options.request_budget = std::chrono::milliseconds(1500);
  options.scan_every = std::chrono::milliseconds(200);
  TestServer server(nullptr, options);
  // Six slow clients, more than the workers, each sending a byte every 300 ms: well inside the
  // read timeout, so only the request budget stops them.
  constexpr int kSlow = 6;
  std::atomic<int> cut{0};
  std::vector<std::thread> slow;
  const std::string request = "GET /api/locales HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                              "\r\nX-Padding: " + std::string(200, 'x') + "\r\n\r\n";
  for (int i = 0; i < kSlow; ++i) {
    slow.emplace_back([&] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
      // 30 bytes at 300 ms: 9 s if nobody stops it.
      for (std::size_t i = 0; i < 30; ++i) {
        if (::send(fd, &request[i], 1, MSG_NOSIGNAL) != 1) {
          ++cut;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      ::close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  httplib::Client client = server.client();
  client.set_read_timeout(6, 0);  // less than the slow clients would take without the budget
  auto res = client.Get("/api/locales");
  for (auto& t : slow) t.join();
  REQUIRE(res);  // served while the slow clients were still trickling
  CHECK(res->status == 200);
  CHECK(cut == kSlow);  // every slow client was disconnected before it finished
}

namespace {
// This machine's first IPv4 address on a network (not loopback), if it has one.
std::string network_address() {
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return "";
  std::string found;
  for (ifaddrs* i = all; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP)) continue;
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    found = text;
  }
  ::freeifaddrs(all);
  return found;
}
}  // namespace

TEST_CASE("in LAN mode the chosen address is ours, and pairing links use it", "[http][pairing]") {
  std::string address = network_address();
  if (address.empty()) {
    WARN("this machine has no network address; LAN mode not checked");
    return;
  }
  HttpOptions options = test_http_options();
  options.host = address;
  options.lan = true;
  TestServer server(nullptr, options);
  CHECK(server.http().address().starts_with("http://" + address + ":"));
  httplib::Client lan(address, server.port());
  lan.set_default_headers({{"Cookie", std::string(kSessionCookie) + "=" + server.http().secret()}});
  auto ok = lan.Get("/api/locales");
  REQUIRE(ok);
  CHECK(ok->status == 200);  // Host: <address>:<port> is one of ours
  auto rebinding = lan.Get("/api/locales", {{"Host", "evil.example:" + std::to_string(server.port())}});
  CHECK(rebinding->status == 403);
  const std::string host = address + ":" + std::to_string(server.port());
  httplib::Headers headers = {{"Origin", "http://" + host}, {kCsrfHeader, server.http().csrf()}, {"Idempotency-Key", "lan-1"}};
  auto created = lan.Post("/api/sessions", headers, new_session_body().dump(), "application/json");
  REQUIRE(created->status == 201);
  std::string id = json::parse(created->body)["id"];
  headers.erase("Idempotency-Key");
  headers.emplace("Idempotency-Key", "lan-2");
  auto pair = lan.Post(("/api/sessions/" + id + "/pair").c_str(), headers, R"({"partner": "b"})", "application/json");
  REQUIRE(pair->status == 201);
  json code = json::parse(pair->body);
  CHECK(code["link"] == "http://" + host + "/join?code=" + code["code"].get<std::string>());
}

TEST_CASE("live streams carry only what is new; joined, they are each partner's whole view", "[http][pairing]") {
  TestServer server(nullptr, quick_streams());
  json body = new_session_body("es", "ar");
  body["flow"] = "agreement-review";  // with a private step
  json view = server.post_json("/api/sessions", body, 201);
  const std::string id = view["id"];
  const std::string path = "/api/sessions/" + id;
  Device device{server, join(server, server.post_json(path + "/pair", {{"partner", "b"}}, 201)["code"])};
  StreamReader ana(server.client(), path + "/events?partner=a");
  StreamReader ben(device.client(), path + "/events?partner=b");
  ana.wait_until([](const json& v) { return v["devices"] == "two"; });
  ben.wait_for(1);

  int turns = 0;
  for (; turns < 100 && !view["awaiting"].empty(); ++turns) {
    const std::string partner = view["awaiting"][0];
    json mine = partner == "a" ? server.get_json(path + "?partner=a") : json::parse(device.get(path + "?partner=b")->body);
    json turn = {{"partner", partner}, {"value", some_answer(mine["input"], partner)}, {"seq", mine["seq"]}};
    if (partner == "a") {
      view = server.post_json(path + "/input", turn);
    } else {
      auto res = device.post(path + "/input", turn);
      REQUIRE(res->status == 200);
      view = json::parse(res->body);
    }
    const std::uint64_t seq = view["seq"];
    ana.wait_for(seq);
    ben.wait_for(seq);
    // Joined, each stream is exactly what a fresh whole view of that partner shows, in their
    // own language, private answers included for their author only.
    json whole_a = server.get_json(path + "?partner=a");
    json whole_b = json::parse(device.get(path + "?partner=b")->body);
    REQUIRE(ana.merged() == whole_a);
    REQUIRE(ben.merged() == whole_b);
  }
  CHECK(view["status"] == "completed");
  CHECK(turns > 10);
  // Nothing was sent twice: the events together hold each entry once.
  std::size_t entries = 0;
  for (const json& v : ana.views()) entries += v["thread"].size();
  CHECK(entries == server.get_json(path + "?partner=a")["thread"].size());
}
