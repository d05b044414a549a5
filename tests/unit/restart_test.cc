// Durability across a crash: the real binary is killed with SIGKILL mid-conversation, started
// again on the same data, and the conversation continues at the same step with nothing lost.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_support.h"

extern char** environ;

using namespace tandem::testing;
using nlohmann::json;

namespace {

// `tandem serve` in a child process; its port is read from the address it prints.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data_dir) {
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
    REQUIRE(posix_spawn(&pid_, TANDEM_BIN, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    out_ = pipe_fds[0];
    std::string printed;
    std::smatch match;
    const std::regex address("http://127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]+)");
    char buffer[256];
    while (!std::regex_search(printed, match, address)) {
      ssize_t n = ::read(out_, buffer, sizeof buffer);
      REQUIRE(n > 0);
      printed.append(buffer, static_cast<std::size_t>(n));
    }
    port_ = std::stoi(match[1]);
    cookie_ = "tandem=" + match[2].str();
    csrf_ = get("/api/csrf")["csrf"];
  }
  ~ServerProcess() {
    if (pid_ > 0) kill_hard();
    ::close(out_);
  }
  void kill_hard() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  json get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(path.c_str(), {{"Cookie", cookie_}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
  }
  json post(const std::string& path, const json& body, int status = 200) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Post(path.c_str(),
                      {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}, {"Cookie", cookie_}, {"X-Tandem-CSRF", csrf_},
                       {"Idempotency-Key", "restart-" + std::to_string(++keys_) + "-" + std::to_string(port_)}},
                      body.dump(), "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == status);
    return json::parse(res->body);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string cookie_, csrf_;  // this launch's session cookie and CSRF token
  int keys_ = 0;
};

}  // namespace

TEST_CASE("after SIGKILL mid-conversation the session continues at the same step", "[restart]") {
  TempDir data;
  std::string id;
  json before;
  {
    ServerProcess server(data.path());
    json view = server.post("/api/sessions",
                            {{"flow", "feel-prefer-try"},
                             {"partners", json::array({{{"name", "Ana"}, {"locale", "es"}}, {{"name", "Ben"}, {"locale", "en"}}})}},
                            201);
    id = view["id"];
    const std::string input = "/api/sessions/" + id + "/input";
    for (auto [partner, value] : {std::pair{"a", "yes"}, {"b", "yes"}, {"a", "un poco sola"}, {"a", "miramos el móvil en la cena"}})
      view = server.post(input, {{"partner", partner}, {"value", value}, {"seq", view["seq"]}});
    before = server.get("/api/sessions/" + id + "?partner=b");
    REQUIRE(before["input"]["step"] == "mirror");
    server.kill_hard();  // no chance to flush or say goodbye
  }
  ServerProcess server(data.path());
  json after = server.get("/api/sessions/" + id + "?partner=b");
  CHECK(after["seq"] == before["seq"]);
  CHECK(after["input"] == before["input"]);
  CHECK(after["thread"] == before["thread"]);

  // Finish the conversation on the restarted server.
  json view = after;
  for (int turn = 0; turn < 100 && !view["awaiting"].empty(); ++turn) {
    std::string partner = view["awaiting"][0];
    view = server.get("/api/sessions/" + id + "?partner=" + partner);
    json value = view["input"]["type"] == "choice" ? view["input"]["options"][0]["value"] : json("answer " + std::to_string(turn));
    view = server.post("/api/sessions/" + id + "/input", {{"partner", partner}, {"value", value}, {"seq", view["seq"]}});
  }
  CHECK(view["status"] == "completed");
  json transcript = server.get("/api/sessions/" + id + "/transcript?locale=en");
  std::vector<std::string> typed;
  for (const json& t : transcript["turns"])
    if (t["kind"] == "input" && t["message"].is_null()) typed.push_back(t["text"]);
  REQUIRE(typed.size() >= 2);
  CHECK(typed[0] == "un poco sola");
  CHECK(typed[1] == "miramos el móvil en la cena");
  CHECK(transcript["turns"].back()["message"] == "feel-prefer-try:close");
}
