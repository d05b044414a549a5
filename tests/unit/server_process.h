// `tandem serve` as a child process on a data directory, signed in the way a browser is, for the
// tests that kill it (restart, durability). TANDEM_BIN is the built binary.
#pragma once

#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace tandem::testing {

// `tandem serve --port 0 --data DIR` in a child process, signed in the way a browser is.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data_dir) {
    try {
      start(data_dir);
    } catch (...) {  // a failed REQUIRE: leave no server running behind
      if (pid_ > 0) kill_hard();
      if (out_ >= 0) ::close(out_);
      throw;
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) kill_hard();
    ::close(out_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  void kill_hard() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  const std::string& origin() const { return origin_; }
  const std::string& cookie() const { return cookie_; }
  const std::string& csrf() const { return csrf_; }

  // A GET with the cookie that must answer 200.
  nlohmann::json get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(path.c_str(), {{"Cookie", cookie_}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return nlohmann::json::parse(res->body);
  }
  // A mutation as the page sends it, with a fresh Idempotency-Key, that must answer `status`.
  nlohmann::json post(const std::string& path, const nlohmann::json& body, int status = 200) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Post(path.c_str(),
                      {{"Origin", origin_}, {"Cookie", cookie_}, {"X-Tandem-CSRF", csrf_},
                       {"Idempotency-Key", "process-" + std::to_string(++keys_) + "-" + std::to_string(port_)}},
                      body.dump(), "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == status);
    return nlohmann::json::parse(res->body);
  }

 private:
  void start(const std::string& data_dir) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<std::string> args = {TANDEM_BIN, "serve", "--port", "0", "--data", data_dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int spawned = posix_spawn(&pid, TANDEM_BIN, &actions, nullptr, argv.data(), environ);
    if (spawned == 0) pid_ = pid;
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    out_ = pipe_fds[0];
    REQUIRE(spawned == 0);
    std::string printed;
    std::smatch match;
    const std::regex address("http://127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]+)");
    char buffer[256];
    while (!std::regex_search(printed, match, address)) {
      ssize_t n = ::read(out_, buffer, sizeof buffer);
      INFO("tandem serve printed: " << printed);
      REQUIRE(n > 0);  // it exited (a damaged database, for one) before printing its address
      printed.append(buffer, static_cast<std::size_t>(n));
    }
    port_ = std::stoi(match[1]);
    origin_ = "http://127.0.0.1:" + std::to_string(port_);

    // Sign in: the printed address answers 303 with the session cookie.
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(("/?token=" + match[2].str()).c_str());
    REQUIRE(res);
    REQUIRE(res->status == 303);
    std::string set_cookie = res->get_header_value("Set-Cookie");
    REQUIRE(set_cookie.starts_with("tandem="));
    cookie_ = set_cookie.substr(0, set_cookie.find(';'));
    auto csrf = c.Get("/api/csrf", {{"Cookie", cookie_}});
    REQUIRE(csrf);
    REQUIRE(csrf->status == 200);
    csrf_ = nlohmann::json::parse(csrf->body).at("csrf");
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string origin_, cookie_, csrf_;  // this launch's origin, session cookie and CSRF token
  int keys_ = 0;
};

}  // namespace tandem::testing
