// Durability across a crash: the real binary is killed with SIGKILL mid-conversation, started
// again on the same data, and the conversation continues at the same step with nothing lost.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "server_process.h"
#include "test_support.h"

using namespace tandem::testing;
using nlohmann::json;

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

TEST_CASE("SIGTERM stops the server cleanly, after turns: exit 0, and the write-ahead log folded in", "[restart]") {
  TempDir data;
  ServerProcess server(data.path());
  json view = server.post("/api/sessions",
                          {{"flow", "feel-prefer-try"},
                           {"partners", json::array({{{"name", "Ana"}, {"locale", "en"}}, {{"name", "Ben"}, {"locale", "en"}}})}},
                          201);
  const std::string id = view["id"];
  for (const char* partner : {"a", "b"})
    view = server.post("/api/sessions/" + id + "/input", {{"partner", partner}, {"value", "yes"}, {"seq", view["seq"]}});
  auto [status, printed] = server.stop();
  CHECK(status == 0);  // not killed by the signal (every thread but the waiting one blocks it)
  CHECK(printed.find("Tandem stopped.") != std::string::npos);
  // The last connection to close folds the log into the database and removes it.
  CHECK_FALSE(std::filesystem::exists(data.path() + "/tandem.db-wal"));
  ServerProcess again(data.path());
  CHECK(again.get("/api/sessions/" + id + "?partner=a")["seq"] == view["seq"]);
}
