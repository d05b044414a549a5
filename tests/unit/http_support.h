// The real HTTP server in-process on a free loopback port, and clients as the web UI sends
// requests. Shared by the HTTP tests.
#pragma once

#include <catch2/catch.hpp>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/session_service.h"
#include "http/guard.h"
#include "http/http_server.h"
#include "test_support.h"

namespace tandem::testing {

using nlohmann::json;

inline HttpOptions test_http_options() { return HttpOptions{"127.0.0.1", 0, 8, 64 * 1024, ""}; }

class TestServer {
 public:
  explicit TestServer(std::unique_ptr<SessionStore> store = nullptr, HttpOptions options = test_http_options())
      : store_(store ? std::move(store) : std::move(*open_sqlite_store(dir_.path() + "/tandem.db"))),
        service_(shipped().flows, shipped().catalogs, shipped_locales(), *store_, clock_),
        server_(service_, embedded_sources().web, std::move(options)) {
    port_ = *server_.bind();
    thread_ = std::thread([this] { server_.run(); });
    origin_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }

  // A client of the browser that opened the printed address: it holds the session cookie.
  httplib::Client client() const {
    httplib::Client c = anonymous();
    c.set_default_headers({{"Cookie", std::string(kSessionCookie) + "=" + server_.secret()}});
    return c;
  }
  // A client that never opened the printed address.
  httplib::Client anonymous() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  // A mutation as the page sends it: Origin, CSRF token and a fresh Idempotency-Key (`extra`
  // replaces or adds headers).
  httplib::Result post(const std::string& path, const std::string& body, httplib::Headers extra = {}) const {
    httplib::Headers headers = {{"Origin", origin_},
                                {kCsrfHeader, server_.csrf()},
                                {"Idempotency-Key", "key-" + std::to_string(++next_key)}};
    for (auto& h : extra) headers.erase(h.first);
    headers.insert(extra.begin(), extra.end());
    return client().Post(path.c_str(), headers, body, "application/json");
  }
  json post_json(const std::string& path, const json& body, int expected_status = 200) const {
    auto res = post(path, body.dump());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == expected_status);
    return json::parse(res->body);
  }
  // A turn (input, pause, resume, stop) at `path` sent with the session's current seq, as a page
  // that has seen the latest view sends it.
  json turn(const std::string& path, json body, int expected_status = 200) {
    const std::string prefix = "/api/sessions/";
    std::string id = path.substr(prefix.size(), path.find('/', prefix.size()) - prefix.size());
    body["seq"] = stored_events(id);
    return post_json(path, body, expected_status);
  }
  json get_json(const std::string& path, int expected_status = 200) const {
    auto res = client().Get(path.c_str());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == expected_status);
    return json::parse(res->body);
  }
  std::size_t stored_events(const std::string& id) { return store_->events(id)->size(); }
  const std::string& origin() const { return origin_; }
  int port() const { return port_; }
  const HttpServer& http() const { return server_; }
  FakeClock& clock() { return clock_; }

 private:
  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SessionStore> store_;
  SessionService service_;
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
  std::string origin_;
  // Unique across every TestServer in the run: several may share one database file.
  static inline std::atomic<int> next_key{0};
};

// Sends `request` in one write and returns everything the server answers before it closes.
inline std::string raw_request(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return response;
}

// Some answer to whatever `input` asks (any input type of the shipped flows).
inline json some_answer(const json& input, const std::string& partner) {
  const std::string type = input["type"];
  if (type == "text") return partner == "a" ? "lo que siento en «" + input["step"].get<std::string>() + "»" : "what I feel";
  if (type == "scale") return input["max"];  // calm enough to go on
  if (type == "list") return json(std::vector<std::string>(input["items"].size(), "maybe"));
  if (type == "multi") {
    json picked = json::array();
    for (int i = 0; i < std::max(1, input["min"].get<int>()); ++i) picked.push_back(input["options"][i]["value"]);
    return picked;
  }
  return input["options"][0]["value"];  // choice, feeling, confirm (a timer's "done")
}

inline json new_session_body(const std::string& locale_a = "es", const std::string& locale_b = "en") {
  return {{"flow", "feel-prefer-try"},
          {"partners", json::array({{{"name", "Ana"}, {"locale", locale_a}}, {{"name", "Ben"}, {"locale", locale_b}}})}};
}

}  // namespace tandem::testing
