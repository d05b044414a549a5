// Durability under load: several couples talk at once while the real binary is killed with
// SIGKILL, again and again. After every kill:
//  - the database file, as the crash left it, passes PRAGMA integrity_check, and every turn that
//    was answered 2xx is in it, with its idempotency key, in the same place;
//  - a turn that was in flight when the server died is either all there (event and key) or not
//    there at all, and retrying it with the same Idempotency-Key writes it exactly once;
//  - the restarted server shows every acknowledged turn; the last acknowledged start and turn of
//    each couple, sent again with their keys (an answer lost on the way), write nothing; and the
//    conversations carry on.
// What is asserted does not depend on timing: only which turns happen to be acknowledged does.
// The delays come from a printed seed; set TANDEM_DURABILITY_SEED to repeat one (and
// TANDEM_DURABILITY_ROUNDS to change how many kills).
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "server_process.h"
#include "test_support.h"

using namespace tandem::testing;
using nlohmann::json;

namespace {

constexpr int kClients = 6;
constexpr int kDefaultRounds = 8;

// What a client thread needs to talk to one launch.
struct Endpoint {
  int port = 0;
  std::string origin, cookie, csrf;
  explicit Endpoint(const ServerProcess& s) : port(s.port()), origin(s.origin()), cookie(s.cookie()), csrf(s.csrf()) {}
};

// One mutation exactly as it was sent, so it can be checked and retried byte for byte.
struct Request {
  enum class Kind { Create, Turn } kind = Kind::Turn;
  std::string path, key;
  json body;
  std::string session;           // Turn: the session; Create: filled in once known
  std::string partner;           // Turn: "a" or "b"
  std::uint64_t sent_seq = 0;    // Turn: the seq of the view it answers
  json value;                    // Turn: the value sent
  bool typed = false;            // Turn: free text (appears verbatim in the transcript)
  std::string name_a;            // Create: partner a's name, unique in the test
  std::string describe() const { return "POST " + path + " key=" + key + " body=" + body.dump(); }
};

struct Acked {
  Request request;
  std::uint64_t seq = 0;  // the seq of the answer
};

// A couple, driven by one thread; everything it was told is kept across rounds.
struct Client {
  int index = 0;
  std::mt19937 rng;
  int keys = 0;
  int sessions = 0;
  std::string session;                 // the conversation it is in ("" to start one)
  std::vector<Acked> turns;            // every acknowledged turn
  std::vector<Request> created;        // every acknowledged session start (session filled in)
  std::optional<Request> pending;      // sent when the server died; never answered
  std::optional<bool> pending_in_db;   // whether the crashed database has it
  std::string pending_db_session;      // for a pending start found in the database
  std::string unexpected;              // an answer the protocol does not allow, for the report
  int acked_this_round = 0;
};

httplib::Headers mutation_headers(const Endpoint& e, const std::string& key) {
  return {{"Origin", e.origin}, {"Cookie", e.cookie}, {"X-Tandem-CSRF", e.csrf}, {"Idempotency-Key", key}};
}

const char* const kLocales[] = {"en", "es", "fr", "de", "ja", "ar"};
const char* const kPhrases[] = {"un poco sola cuando miramos el móvil", "I'd like us to walk after dinner",
                                "übermüdet, wenn wir spät streiten", "寂しい気持ちになる", "أشعر بالقلق أحيانا",
                                "que on se parle avant de dormir"};

Request new_start(Client& c) {
  Request r;
  r.kind = Request::Kind::Create;
  r.path = "/api/sessions";
  r.key = "durability-c" + std::to_string(c.index) + "-k" + std::to_string(++c.keys);
  r.name_a = "Ana c" + std::to_string(c.index) + " s" + std::to_string(++c.sessions);
  std::string name_b = "Ben c" + std::to_string(c.index) + " s" + std::to_string(c.sessions);
  r.body = {{"flow", "feel-prefer-try"},
            {"partners", json::array({{{"name", r.name_a}, {"locale", kLocales[c.index % 6]}},
                                      {{"name", name_b}, {"locale", kLocales[(c.index + 1) % 6]}}})}};
  return r;
}

// An answer to the view's input. Returns nullopt for an input type this test does not know.
std::optional<Request> new_turn(Client& c, const json& view) {
  Request r;
  r.kind = Request::Kind::Turn;
  r.session = view["id"];
  r.partner = view["viewer"];
  r.sent_seq = view["seq"];
  r.path = "/api/sessions/" + r.session + "/input";
  r.key = "durability-c" + std::to_string(c.index) + "-k" + std::to_string(++c.keys);
  const json& input = view["input"];
  const std::string type = input.value("type", "");
  auto pick = [&](const json& options) -> json {
    // Mostly the first option (it keeps the conversation going), sometimes another one.
    std::size_t i = std::uniform_int_distribution<int>(0, 9)(c.rng) < 7
                        ? 0
                        : std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(c.rng);
    return options[i]["value"];
  };
  if (type == "text") {
    // "[c3 k41]" makes every typed answer unique; the rest is real text in several scripts.
    r.value = "[c" + std::to_string(c.index) + " k" + std::to_string(c.keys) + "] " +
              kPhrases[std::uniform_int_distribution<int>(0, 5)(c.rng)];
    r.typed = true;
  } else if (type == "choice" || type == "yes_maybe_no" || type == "feeling" || type == "confirm") {
    if (!input["options"].is_array() || input["options"].empty()) return std::nullopt;
    r.value = pick(input["options"]);
  } else if (type == "scale") {
    r.value = std::uniform_int_distribution<std::int64_t>(input["min"].get<std::int64_t>(), input["max"].get<std::int64_t>())(c.rng);
  } else if (type == "multi") {
    r.value = json::array();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, input.value("min", 1)); ++i) r.value.push_back(input["options"][i]["value"]);
  } else if (type == "list") {
    r.value = json::array();
    for (std::size_t i = 0; i < input["items"].size(); ++i) r.value.push_back("yes");
  } else {
    return std::nullopt;
  }
  r.body = {{"partner", r.partner}, {"value", r.value}, {"seq", r.sent_seq}};
  return r;
}

httplib::Result send(httplib::Client& http, const Endpoint& e, const Request& r) {
  return http.Post(r.path.c_str(), mutation_headers(e, r.key), r.body.dump(), "application/json");
}

// One client thread: talks until the server stops answering. No Catch assertions here (they are
// not thread-safe); whatever goes wrong is recorded for the main thread.
void drive_until_killed(Client& c, const Endpoint& e) {
  httplib::Client http("127.0.0.1", e.port);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);  // a POST's body would otherwise wait ~40 ms for the headers' ACK
  http.set_connection_timeout(2, 0);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  const httplib::Headers read_headers = {{"Cookie", e.cookie}};
  auto parsed = [&](const httplib::Response& res, const std::string& what) -> std::optional<json> {
    json j = json::parse(res.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      c.unexpected = what + " answered something that is not a JSON object: " + res.body;
      return std::nullopt;
    }
    return j;
  };
  // The view of `partner`; nothing when the server is gone or answered something unexpected
  // (then recorded in c.unexpected).
  auto fetch_view = [&](const std::string& partner) -> std::optional<json> {
    auto res = http.Get(("/api/sessions/" + c.session + "?partner=" + partner).c_str(), read_headers);
    if (!res) return std::nullopt;
    if (res->status != 200) {
      c.unexpected = "GET view of " + c.session + " answered " + std::to_string(res->status) + ": " + res->body;
      return std::nullopt;
    }
    return parsed(*res, "GET view");
  };
  json view;  // the last view seen, of either partner
  for (;;) {
    if (c.session.empty()) {
      Request r = new_start(c);
      auto res = send(http, e, r);
      if (!res) {
        c.pending = r;
        return;
      }
      if (res->status != 201) {
        c.unexpected = r.describe() + " answered " + std::to_string(res->status) + ": " + res->body;
        return;
      }
      auto v = parsed(*res, r.describe());
      if (!v) return;
      if (!(*v)["id"].is_string() || (*v)["seq"] != 1) {
        c.unexpected = r.describe() + " answered a view without an id or with seq != 1: " + res->body;
        return;
      }
      r.session = (*v)["id"];
      c.session = r.session;
      c.created.push_back(r);
      view = *v;
      continue;
    }
    if (!view.is_object()) {
      auto v = fetch_view("a");
      if (!v) return;
      view = *v;
    }
    if (view["status"] == "completed" || view["status"] == "stopped") {
      c.session.clear();  // this conversation is over: the couple starts another
      view = json();
      continue;
    }
    if (view["status"] != "active" || !view["awaiting"].is_array() || view["awaiting"].empty()) {
      c.unexpected = "a session that is neither over nor waiting for anyone: " + view.dump();
      return;
    }
    const std::string who = view["awaiting"][0];
    if (view["viewer"] != who || view["input"].is_null()) {
      auto v = fetch_view(who);
      if (!v) return;
      view = *v;
      if (view["input"].is_null()) {
        c.unexpected = "partner " + who + " is awaited but has no input: " + view.dump();
        return;
      }
    }
    auto r = new_turn(c, view);
    if (!r) {
      c.unexpected = "an input type this test does not know: " + view["input"].dump();
      return;
    }
    auto res = send(http, e, *r);
    if (!res) {
      c.pending = *r;
      return;
    }
    if (res->status != 200) {
      c.unexpected = r->describe() + " answered " + std::to_string(res->status) + ": " + res->body;
      return;
    }
    auto v = parsed(*res, r->describe());
    if (!v) return;
    if (!(*v)["seq"].is_number_unsigned()) {
      c.unexpected = r->describe() + " answered a view without seq: " + res->body;
      return;
    }
    c.turns.push_back(Acked{*r, (*v)["seq"].get<std::uint64_t>()});
    ++c.acked_this_round;
    view = *v;
  }
}

void drive(Client& c, const Endpoint& e) {
  try {
    drive_until_killed(c, e);
  } catch (const std::exception& error) {  // a view of an unexpected shape, say
    c.unexpected = std::string("client thread stopped: ") + error.what();
  }
}

// Problems found while checking a round; all are reported together.
struct Problems {
  std::vector<std::string> list;
  void add(const std::string& p) { list.push_back(p); }
  std::string text() const {
    std::ostringstream s;
    std::size_t shown = 0;
    for (const auto& p : list) {
      if (++shown > 40) {
        s << "… and " << list.size() - 40 << " more\n";
        break;
      }
      s << "- " << p << "\n";
    }
    return s.str();
  }
};

// The database file, opened directly with SQLite.
class Database {
 public:
  explicit Database(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    // Leave the write-ahead log as the crash left it: the restarted server must recover it itself.
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Database() { sqlite3_close_v2(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  using Row = std::vector<std::string>;
  std::vector<Row> rows(const char* sql, const std::vector<std::string>& params = {}) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    INFO(sql << ": " << sqlite3_errmsg(db_));
    REQUIRE(rc == SQLITE_OK);
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
    std::vector<Row> out;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      for (int col = 0; col < sqlite3_column_count(stmt); ++col) {
        const auto* p = sqlite3_column_text(stmt, col);
        row.push_back(p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt, col)) : std::string());
      }
      out.push_back(std::move(row));
    }
    std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    INFO(message);
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// An event as stored: kind and body, or nothing.
std::optional<std::pair<std::string, json>> stored_event(Database& db, const std::string& session, std::uint64_t seq) {
  auto rows = db.rows("SELECT kind, body FROM events WHERE session_id = ? AND seq = CAST(? AS INTEGER)", {session, std::to_string(seq)});
  if (rows.empty()) return std::nullopt;
  return std::pair{rows[0][0], json::parse(rows[0][1], nullptr, false)};
}

// Whether a stored event is exactly the turn that was sent.
std::string mismatch(const std::optional<std::pair<std::string, json>>& event, const Request& r) {
  if (!event) return "no event";
  if (event->first != "input") return "the event is a " + event->first;
  if (!event->second.is_object()) return "the event body is not JSON";
  if (event->second.value("by", "") != r.partner) return "the event is by " + event->second.value("by", "?");
  if (event->second.value("value", json()) != r.value) return "the event's value is " + event->second.value("value", json()).dump();
  return "";
}

// Checks the database file exactly as the crash left it, before anything opens it again.
void check_database(const std::string& path, std::vector<Client>& clients, Problems& problems) {
  Database db(path);
  auto integrity = db.rows("PRAGMA integrity_check");
  if (integrity.size() != 1 || integrity[0][0] != "ok") {
    std::string all;
    for (const auto& row : integrity) all += row[0] + "; ";
    problems.add("PRAGMA integrity_check: " + all);
  }
  if (auto fk = db.rows("PRAGMA foreign_key_check"); !fk.empty())
    problems.add("PRAGMA foreign_key_check found " + std::to_string(fk.size()) + " rows, first in table " + fk[0][0]);

  // Every session's log is whole: events 1..n, no gaps, none missing at the start.
  std::map<std::string, std::uint64_t> last_seq;
  for (const auto& row : db.rows("SELECT s.id, COUNT(e.seq), COALESCE(MIN(e.seq), 0), COALESCE(MAX(e.seq), 0) "
                                 "FROM sessions s LEFT JOIN events e ON e.session_id = s.id GROUP BY s.id")) {
    if (row[1] == "0" || row[2] != "1" || row[1] != row[3])
      problems.add("session " + row[0] + " has " + row[1] + " events numbered " + row[2] + ".." + row[3]);
    last_seq[row[0]] = std::stoull(row[3]);
  }
  // Every idempotency key names a write that is there.
  for (const auto& row : db.rows("SELECT key, session_id, seq FROM idempotency i WHERE NOT EXISTS "
                                 "(SELECT 1 FROM events e WHERE e.session_id = i.session_id AND e.seq = i.seq)"))
    problems.add("idempotency key " + row[0] + " names event " + row[2] + " of " + row[1] + ", which is not stored");

  auto key_row = [&](const std::string& key) -> std::optional<std::pair<std::string, std::uint64_t>> {
    auto rows = db.rows("SELECT session_id, seq FROM idempotency WHERE key = ?", {key});
    if (rows.empty()) return std::nullopt;
    return std::pair{rows[0][0], static_cast<std::uint64_t>(std::stoull(rows[0][1]))};
  };
  // Sessions by partner a's name (unique in this test), from their first events.
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& row : db.rows("SELECT session_id, body FROM events WHERE seq = 1")) {
    json body = json::parse(row[1], nullptr, false);
    if (body.is_object() && body["partners"].is_array() && !body["partners"].empty())
      by_name[body["partners"][0].value("name", "")].push_back(row[0]);
  }

  std::size_t expected_sessions = 0;
  for (Client& c : clients) {
    std::map<std::string, std::uint64_t> expected_last;  // what each of this couple's sessions should be at
    for (const Request& r : c.created) {
      ++expected_sessions;
      expected_last[r.session] = 1;
      if (!last_seq.count(r.session)) problems.add("acknowledged session " + r.session + " (" + r.describe() + ") is not stored");
      auto key = key_row(r.key);
      if (!key || key->first != r.session || key->second != 1)
        problems.add("the key of acknowledged start " + r.describe() + " is not stored with event 1 of " + r.session);
    }
    for (const Acked& t : c.turns) {
      const Request& r = t.request;
      expected_last[r.session] = std::max(expected_last[r.session], t.seq);
      if (t.seq != r.sent_seq + 1)
        problems.add(r.describe() + " was answered with seq " + std::to_string(t.seq) + ", not " + std::to_string(r.sent_seq + 1));
      if (auto why = mismatch(stored_event(db, r.session, t.seq), r); !why.empty())
        problems.add("acknowledged turn " + r.describe() + " (answered seq " + std::to_string(t.seq) + ") is not stored: " + why);
      auto key = key_row(r.key);
      if (!key || key->first != r.session || key->second != t.seq)
        problems.add("the key of acknowledged turn " + r.describe() + " is not stored with event " + std::to_string(t.seq));
    }
    c.pending_in_db.reset();
    if (c.pending && c.pending->kind == Request::Kind::Turn) {
      const Request& r = *c.pending;
      auto key = key_row(r.key);
      auto event = stored_event(db, r.session, r.sent_seq + 1);
      c.pending_in_db = key.has_value();
      if (key) {
        // All there: the key, and the event it names is this turn.
        if (key->first != r.session || key->second != r.sent_seq + 1)
          problems.add("in-flight turn " + r.describe() + " has its key stored with event " + std::to_string(key->second) +
                       " of " + key->first);
        if (auto why = mismatch(event, r); !why.empty())
          problems.add("in-flight turn " + r.describe() + " has its key stored but not its event: " + why);
        expected_last[r.session] = r.sent_seq + 1;
      } else if (event) {
        problems.add("in-flight turn " + r.describe() + " left an event (seq " + std::to_string(r.sent_seq + 1) +
                     ") without its idempotency key: half a write");
      } else {
        expected_last[r.session] = std::max(expected_last[r.session], r.sent_seq);
      }
    }
    if (c.pending && c.pending->kind == Request::Kind::Create) {
      const Request& r = *c.pending;
      auto key = key_row(r.key);
      const auto& found = by_name[r.name_a];
      c.pending_in_db = key.has_value();
      c.pending_db_session.clear();
      if (key) {
        ++expected_sessions;
        c.pending_db_session = key->first;
        if (found.size() != 1 || found[0] != key->first || key->second != 1)
          problems.add("in-flight start " + r.describe() + " has its key stored for " + key->first + " but " +
                       std::to_string(found.size()) + " sessions with its names");
      } else if (!found.empty()) {
        problems.add("in-flight start " + r.describe() + " left session " + found[0] + " without its idempotency key");
      }
    }
    // Nothing was written that the couple did not send: each session is exactly where it was left.
    for (const auto& [session, seq] : expected_last) {
      if (last_seq.count(session) && last_seq[session] != seq)
        problems.add("session " + session + " (client " + std::to_string(c.index) + ") has " + std::to_string(last_seq[session]) +
                     " events; the client's acknowledged and in-flight turns account for " + std::to_string(seq));
    }
  }
  if (last_seq.size() != expected_sessions)
    problems.add("the database has " + std::to_string(last_seq.size()) + " sessions; the clients started " +
                 std::to_string(expected_sessions));
}

// Reads from the restarted server.
class Reader {
 public:
  explicit Reader(const ServerProcess& s) : e_(s), http_("127.0.0.1", s.port()) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_read_timeout(10, 0);
  }
  std::optional<json> get(const std::string& path, Problems& problems) {
    auto res = http_.Get(path.c_str(), {{"Cookie", e_.cookie}});
    if (!res) {
      problems.add("GET " + path + ": no answer");
      return std::nullopt;
    }
    if (res->status != 200) {
      problems.add("GET " + path + " answered " + std::to_string(res->status) + ": " + res->body);
      return std::nullopt;
    }
    return json::parse(res->body);
  }
  httplib::Result post(const Request& r) { return send(http_, e_, r); }

 private:
  Endpoint e_;
  httplib::Client http_;
};

struct SessionOnServer {
  std::uint64_t seq = 0;
  std::map<std::uint64_t, json> inputs;           // input turns by seq
  std::map<std::string, int> typed_count;         // how often each typed text appears
};

std::optional<SessionOnServer> read_session(Reader& reader, const std::string& id, Problems& problems) {
  auto view = reader.get("/api/sessions/" + id + "?partner=a", problems);
  auto transcript = reader.get("/api/sessions/" + id + "/transcript?partner=a&locale=en", problems);
  if (!view || !transcript) return std::nullopt;
  SessionOnServer s;
  s.seq = (*view)["seq"];
  for (const json& t : (*transcript)["turns"]) {
    if (t["kind"] != "input") continue;
    std::uint64_t seq = t["seq"];
    if (s.inputs.count(seq)) problems.add("session " + id + " has two input turns with seq " + std::to_string(seq));
    s.inputs[seq] = t;
    if (t["text"].is_string()) ++s.typed_count[t["text"].get<std::string>()];
  }
  return s;
}

// Whether the restarted server shows a turn at `seq` exactly as sent.
std::string shown_mismatch(const SessionOnServer& s, const Request& r, std::uint64_t seq) {
  auto it = s.inputs.find(seq);
  if (it == s.inputs.end()) return "no input turn with seq " + std::to_string(seq);
  if (it->second["partner"] != r.partner) return "the turn is by " + it->second["partner"].dump();
  if (r.typed) {
    if (it->second["text"] != r.value) return "the turn reads " + it->second["text"].dump();
    auto count = s.typed_count.find(r.value.get<std::string>());
    if (count->second != 1) return "the text appears " + std::to_string(count->second) + " times";
  }
  return "";
}

// Checks what the restarted server shows, then retries every in-flight request with its key.
void check_server(ServerProcess& server, std::vector<Client>& clients, Problems& problems, std::ostringstream& log) {
  Reader reader(server);
  int retried_present = 0, retried_absent = 0, replayed = 0;
  for (Client& c : clients) {
    std::map<std::string, std::uint64_t> expected_last;
    for (const Request& r : c.created) expected_last[r.session] = 1;
    for (const Acked& t : c.turns) expected_last[t.request.session] = std::max(expected_last[t.request.session], t.seq);
    if (c.pending && c.pending->kind == Request::Kind::Turn)
      expected_last[c.pending->session] = c.pending->sent_seq + (c.pending_in_db.value_or(false) ? 1 : 0);
    std::map<std::string, SessionOnServer> shown;
    for (const auto& [id, seq] : expected_last) {
      auto s = read_session(reader, id, problems);
      if (!s) continue;
      if (s->seq != seq)
        problems.add("after restart, session " + id + " is at seq " + std::to_string(s->seq) + "; expected " + std::to_string(seq));
      shown[id] = std::move(*s);
    }
    for (const Acked& t : c.turns) {
      auto it = shown.find(t.request.session);
      if (it == shown.end()) continue;
      if (auto why = shown_mismatch(it->second, t.request, t.seq); !why.empty())
        problems.add("after restart, acknowledged turn " + t.request.describe() + " (seq " + std::to_string(t.seq) + "): " + why);
    }

    // The answers to the last acknowledged start and turn, as if they had been lost: sent again
    // with the same keys, they are answered again and nothing is written.
    if (!c.created.empty()) {
      const Request& r = c.created.back();
      auto res = reader.post(r);
      if (!res || res->status != 201 || json::parse(res->body, nullptr, false).value("id", "") != r.session)
        problems.add("replaying acknowledged start " + r.describe() + " (session " + r.session + ") answered " +
                     (res ? std::to_string(res->status) + ": " + res->body : std::string("nothing")));
      ++replayed;
    }
    if (!c.turns.empty()) {
      const Acked& t = c.turns.back();
      const std::uint64_t before = shown.count(t.request.session) ? shown[t.request.session].seq : 0;
      auto res = reader.post(t.request);
      if (!res || res->status != 200 || json::parse(res->body, nullptr, false).value("seq", json()) != before)
        problems.add("replaying acknowledged turn " + t.request.describe() + " with the session at seq " + std::to_string(before) +
                     " answered " + (res ? std::to_string(res->status) + ": " + res->body : std::string("nothing")));
      if (auto after = read_session(reader, t.request.session, problems)) {
        if (after->seq != before)
          problems.add("replaying acknowledged turn " + t.request.describe() + " moved the session from seq " +
                       std::to_string(before) + " to " + std::to_string(after->seq));
        if (auto why = shown_mismatch(*after, t.request, t.seq); !why.empty())
          problems.add("after replaying acknowledged turn " + t.request.describe() + ": " + why);
      }
      ++replayed;
    }

    if (!c.pending) continue;

    // The in-flight request, retried with the same key and body: written once, whatever happened.
    Request r = *c.pending;
    const bool was_there = c.pending_in_db.value_or(false);
    (was_there ? retried_present : retried_absent)++;
    if (r.kind == Request::Kind::Turn) {
      if (was_there) {
        if (auto why = shown_mismatch(shown[r.session], r, r.sent_seq + 1); !why.empty())
          problems.add("after restart, committed in-flight turn " + r.describe() + ": " + why);
      }
      auto res = reader.post(r);
      if (!res || res->status != 200) {
        problems.add("retry of in-flight turn " + r.describe() + " answered " +
                     (res ? std::to_string(res->status) + ": " + res->body : std::string("nothing")));
        continue;
      }
      json view = json::parse(res->body);
      if (view["seq"] != r.sent_seq + 1)
        problems.add("retry of in-flight turn " + r.describe() + " answered seq " + view["seq"].dump() + " (it was " +
                     (was_there ? "" : "not ") + "stored before)");
      auto after = read_session(reader, r.session, problems);
      if (after && after->seq != r.sent_seq + 1)
        problems.add("after retrying " + r.describe() + " the session is at seq " + std::to_string(after->seq));
      if (after) {
        if (auto why = shown_mismatch(*after, r, r.sent_seq + 1); !why.empty())
          problems.add("after retrying " + r.describe() + ": " + why);
      }
      c.turns.push_back(Acked{r, r.sent_seq + 1});
    } else {
      auto res = reader.post(r);
      if (!res || res->status != 201) {
        problems.add("retry of in-flight start " + r.describe() + " answered " +
                     (res ? std::to_string(res->status) + ": " + res->body : std::string("nothing")));
        continue;
      }
      json view = json::parse(res->body);
      r.session = view["id"];
      if (was_there && r.session != c.pending_db_session)
        problems.add("retry of in-flight start " + r.describe() + " answered session " + r.session + ", but " +
                     c.pending_db_session + " was stored with its key");
      int named = 0;
      if (auto list = reader.get("/api/sessions", problems))
        for (const json& s : (*list)["sessions"]) named += s["partners"]["a"] == r.name_a;
      if (named != 1)
        problems.add("after retrying " + r.describe() + " there are " + std::to_string(named) + " sessions for " + r.name_a);
      c.created.push_back(r);
      c.session = r.session;
    }
    c.pending.reset();
    c.pending_in_db.reset();
  }
  log << ", in flight at the kill: " << retried_present << " stored, " << retried_absent << " not; " << replayed
      << " acknowledged requests replayed";
}

std::uint64_t env_number(const char* name, std::uint64_t otherwise) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : otherwise;
}

}  // namespace

TEST_CASE("SIGKILL under load, repeated: every acknowledged turn survives and the file stays sound", "[durability]") {
  const std::uint64_t seed = env_number("TANDEM_DURABILITY_SEED", std::random_device{}());
  const int rounds = static_cast<int>(env_number("TANDEM_DURABILITY_ROUNDS", kDefaultRounds));
  std::cout << "durability: seed " << seed << " (TANDEM_DURABILITY_SEED=" << seed << " to repeat), " << rounds
            << " rounds, " << kClients << " clients" << std::endl;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);

  TempDir data;
  const std::string db_path = data.path() + "/tandem.db";  // as `tandem serve` names it (src/cli/commands.cc)
  std::vector<Client> clients(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients[i].index = i;
    clients[i].rng.seed(static_cast<std::mt19937::result_type>(seed + 7919 * (i + 1)));
  }

  auto server = std::make_unique<ServerProcess>(data.path());
  for (int round = 1; round <= rounds; ++round) {
    const auto round_start = std::chrono::steady_clock::now();
    const int delay_ms = std::uniform_int_distribution<int>(150, 600)(rng);
    CAPTURE(round, delay_ms);
    for (Client& c : clients) c.acked_this_round = 0;
    {
      Endpoint endpoint(*server);
      std::vector<std::thread> threads;
      for (Client& c : clients) threads.emplace_back(drive, std::ref(c), endpoint);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      server->kill_hard();  // mid-request: no chance to flush, finish or say goodbye
      for (auto& t : threads) t.join();
    }
    Problems problems;
    for (const Client& c : clients)
      if (!c.unexpected.empty()) problems.add("client " + std::to_string(c.index) + ": " + c.unexpected);
    {
      INFO(problems.text());
      REQUIRE(problems.list.empty());
    }

    check_database(db_path, clients, problems);
    {
      INFO("the database as the crash left it:\n" << problems.text());
      REQUIRE(problems.list.empty());
    }

    server = std::make_unique<ServerProcess>(data.path());  // the same data, recovered
    std::ostringstream log;
    int acked = 0, total = 0;
    for (const Client& c : clients) {
      acked += c.acked_this_round;
      total += static_cast<int>(c.turns.size());
    }
    log << "durability: round " << round << ": killed after " << delay_ms << " ms, " << acked << " turns acknowledged ("
        << total << " so far)";
    check_server(*server, clients, problems, log);
    log << " (round took "
        << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - round_start).count() << " ms)";
    std::cout << log.str() << std::endl;
    INFO("the restarted server:\n" << problems.text());
    REQUIRE(problems.list.empty());
  }

  // After the retries and replays, with the last server running: the file is sound and holds
  // exactly what was acknowledged, nothing twice.
  Problems problems;
  check_database(db_path, clients, problems);
  INFO("the database at the end:\n" << problems.text());
  CHECK(problems.list.empty());
}
