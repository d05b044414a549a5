// Starting the real binary for tests and benchmarks: `tandem serve --port 0 --data DIR` as a
// child process, its port read from the address it prints, then signed in the way a browser is
// (the printed token exchanged for the session cookie) with this launch's CSRF token.
// Free of any test framework, so the benchmarks use it too.
#pragma once

#include <spawn.h>
#include <unistd.h>

#include <httplib.h>

#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace tandem::testing {

struct Launch {
  pid_t pid = -1;   // set as soon as the child exists, also when a later step failed
  int out = -1;     // the read end of its standard output
  int port = 0;
  std::string origin, cookie, csrf;
  std::string error;  // empty on success
};

inline Launch launch_tandem(const std::string& bin, const std::string& data_dir) {
  Launch l;
  int fds[2];
  if (::pipe(fds) != 0) {
    l.error = "pipe failed";
    return l;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> args = {bin, "serve", "--port", "0", "--data", data_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  l.out = fds[0];
  if (spawned != 0) {
    l.error = "cannot start " + bin + ": " + std::strerror(spawned);
    return l;
  }
  l.pid = pid;
  std::string printed;
  std::smatch match;
  const std::regex address("http://127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]+)");
  char buffer[256];
  while (!std::regex_search(printed, match, address)) {
    ssize_t n = ::read(l.out, buffer, sizeof buffer);
    if (n <= 0) {  // it exited (a damaged database, for one) before printing its address
      l.error = "`tandem serve` exited before printing its address; it printed:\n" + printed;
      return l;
    }
    printed.append(buffer, static_cast<std::size_t>(n));
  }
  l.port = std::stoi(match[1]);
  l.origin = "http://127.0.0.1:" + std::to_string(l.port);

  httplib::Client client("127.0.0.1", l.port);
  auto res = client.Get(("/?token=" + match[2].str()).c_str());
  if (!res || res->status != 303) {
    l.error = "opening the printed address did not answer 303";
    return l;
  }
  std::string set_cookie = res->get_header_value("Set-Cookie");
  if (!set_cookie.starts_with("tandem=")) {
    l.error = "no tandem cookie in \"" + set_cookie + "\"";
    return l;
  }
  l.cookie = set_cookie.substr(0, set_cookie.find(';'));
  res = client.Get("/api/csrf", {{"Cookie", l.cookie}});
  if (!res || res->status != 200) {
    l.error = "GET /api/csrf failed";
    return l;
  }
  l.csrf = nlohmann::json::parse(res->body).at("csrf").get<std::string>();
  return l;
}

}  // namespace tandem::testing
