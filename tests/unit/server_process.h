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

#include "launch.h"

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

  // SIGTERM, as Ctrl+C or a service manager stops it. Returns the exit status (-1 if it had not
  // exited within 10 s) and everything it printed after its address.
  std::pair<int, std::string> stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 200 && !exited; ++i) {
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) ::usleep(50'000);
    }
    if (!exited) {
      kill_hard();
      return {-1, ""};
    }
    pid_ = -1;
    std::string printed;
    char buffer[4096];
    for (ssize_t n; (n = ::read(out_, buffer, sizeof buffer)) > 0;) printed.append(buffer, static_cast<std::size_t>(n));
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), printed};
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
    Launch launch = launch_tandem(TANDEM_BIN, data_dir);
    pid_ = launch.pid;
    out_ = launch.out;
    INFO(launch.error);
    REQUIRE(launch.error.empty());
    port_ = launch.port;
    origin_ = launch.origin;
    cookie_ = launch.cookie;
    csrf_ = launch.csrf;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string origin_, cookie_, csrf_;  // this launch's origin, session cookie and CSRF token
  int keys_ = 0;
};

}  // namespace tandem::testing
