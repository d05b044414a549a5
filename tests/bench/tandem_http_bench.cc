// tandem_http_bench: durable turns per second, turn latency and memory of the real server, next to
// a bare cpp-httplib echo server on the same machine (docs/performance.md, "HTTP").
// Not a test: it prints figures and their targets; timings depend on the machine.
//
//   tandem_http_bench [--couples N] [--seconds S] [--sessions M] [--quick] [--strict]
//                     [--bin PATH] [--data DIR]
//     --couples N   concurrent couples, and client threads for the echo server (default 16)
//     --seconds S   measured time of each load phase (default 10; a warm-up of S/10, at most
//                   1 s, comes first and is not counted)
//     --sessions M  live sessions held by the server for the memory figure (default 1000)
//     --quick       a few seconds in all (2 couples, 0.5 s, 20 sessions): checks that it runs
//     --strict      exit 1 if a figure is over its target (default: exit 0 unless a request failed)
//     --bin PATH    the tandem binary (default: the one this build made, TANDEM_BIN)
//     --data DIR    where the servers' temporary data directories go (default $TMPDIR or /tmp);
//                   it should be a real disk: on tmpfs an fsync costs nothing
//
// First, for context: what a bare 32 KiB write + fdatasync() costs on that directory's disk, and
// how often it stalls (3 s).
// (a) `tandem serve --port 0` runs in a child process on a fresh data directory. Each couple is
//     one thread with one keep-alive httplib::Client. It walks feel-prefer-try from start to end
//     the way the shared-device UI does (start, then answer what `input` asks; when the turn
//     passes to the other partner, their view comes with the answer, `next_after`, and is only
//     asked for if it did not), then starts again, until the time is up.
//     Every mutation carries the Origin, cookie, CSRF token, a fresh Idempotency-Key and the seq of
//     the view it answers; like the UI, views and turns ask only for the thread entries after the
//     seq that partner's page already holds (`after`, `next_after`). A 2xx answer means the turn
//     is committed (synchronous=FULL), so each 200 to POST /input counts as one durable turn.
// (b) A bare cpp-httplib server in this process, configured like src/http/http_server.cc
//     configure() (tcp_nodelay, keep-alive 1000 / 5 s, read/write timeouts 5 s, 32 threads,
//     64 KiB payload limit), answering POST /echo by parsing the JSON body and writing it back;
//     as many client threads as couples POST turn-sized JSON with the same headers.
// (b') The same server answering each request only once its body is committed to SQLite (WAL,
//     synchronous=FULL) by a group commit like the store's: the floor under a durable turn.
// (c) A fresh `tandem serve` holding M live sessions (each started and three turns in, so it is in
//     the server's in-memory cache): VmRSS and VmHWM from /proc/<pid>/status.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "launch.h"
#include "results_table.h"

#ifndef TANDEM_BIN
#define TANDEM_BIN "tandem"
#endif

extern char** environ;

namespace {

using namespace tandem::bench;

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double kRatioTarget = 0.40;       // durable turns/s ÷ echo req/s
constexpr double kTurnP99TargetMs = 5.0;
constexpr double kMemoryTargetMb = 64.0;
constexpr std::size_t kServerThreads = 32;  // as HttpOptions::threads
constexpr std::size_t kMaxBody = 64 * 1024;  // as HttpOptions::max_body
constexpr int kTurnsPerMemorySession = 3;

// What die() must not leave behind: the servers started and the temporary data directory.
std::mutex g_cleanup_mutex;
std::vector<pid_t> g_children;
fs::path g_data_dir;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tandem_http_bench: %s\n", what.c_str());
  {
    std::lock_guard lock(g_cleanup_mutex);
    for (pid_t pid : g_children) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    std::error_code ignored;
    if (!g_data_dir.empty()) fs::remove_all(g_data_dir, ignored);
  }
  std::_Exit(2);  // other threads may still be running: no static destructors
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The q-quantile (0..1) of samples, nearest rank.
double quantile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(rank), samples.end());
  return samples[rank];
}

struct Latency {
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};
Latency latency(std::vector<double> samples) {
  Latency l;
  if (samples.empty()) return l;
  l.p50 = quantile(samples, 0.50);
  l.p95 = quantile(samples, 0.95);
  l.p99 = quantile(samples, 0.99);
  l.max = *std::max_element(samples.begin(), samples.end());
  return l;
}

// CPU time (user + system) of a process so far, in seconds, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state; utime is 14, stime 15
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU time all processes on the machine have used so far (every core), in seconds, from /proc/stat.
double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS and VmHWM of a process, in MiB.
std::pair<double, double> memory_mb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stod(line.substr(6)) / 1024;
  }
  return {rss, hwm};
}

std::string filesystem_of(const std::string& path) {
  struct statfs s {};
  if (statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (fsync costs nothing here: the figures overstate durable throughput)";
    case 0x794C7630: return "overlayfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

// What one durable commit costs the disk at least, and how often the disk itself stalls: for
// `seconds`, 32 KiB (a batch's worth of WAL frames) written over a preallocated file in turn and
// fdatasync()ed, as SQLite does at each commit in WAL mode with synchronous=FULL. In milliseconds.
std::vector<double> fsync_probe(const fs::path& dir, double seconds) {
  const std::string path = (dir / "fsync-probe").string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("cannot create " + path);
  const std::string block(32 * 1024, 'x');
  constexpr int kBlocks = 32;  // 1 MiB, reused like the write-ahead log after a checkpoint
  auto write_at = [&](int i) {
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i % kBlocks) * static_cast<off_t>(block.size())) !=
            static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0)
      die("writing " + path + " failed");
  };
  for (int i = 0; i < kBlocks; ++i) write_at(i);  // allocates the file: not counted
  std::vector<double> samples;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; Clock::now() < end; ++i) {
    auto t0 = Clock::now();
    write_at(i);
    samples.push_back(millis(Clock::now() - t0));
  }
  ::close(fd);
  fs::remove(path);
  return samples;
}

// `tandem serve --port 0 --data DIR` in a child process, signed in: its port is read from the
// address it prints, whose token is exchanged for the session cookie; then the CSRF token.
class ServerProcess {
 public:
  ServerProcess(const std::string& bin, const std::string& data_dir) {
    tandem::testing::Launch launch = tandem::testing::launch_tandem(bin, data_dir);
    pid_ = launch.pid;
    out_ = launch.out;
    if (pid_ > 0) {
      std::lock_guard lock(g_cleanup_mutex);
      g_children.push_back(pid_);
    }
    if (!launch.error.empty()) die(launch.error);
    port_ = launch.port;
    origin_ = launch.origin;
    cookie_ = launch.cookie;
    csrf_ = launch.csrf;
  }
  ~ServerProcess() {
    {
      std::lock_guard lock(g_cleanup_mutex);
      g_children.erase(std::remove(g_children.begin(), g_children.end(), pid_), g_children.end());
    }
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {  // up to 5 s to stop cleanly, then for good
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // The headers every mutation needs, but its Idempotency-Key.
  httplib::Headers mutation_headers() const {
    return {{"Origin", origin_}, {"Cookie", cookie_}, {"X-Tandem-CSRF", csrf_}};
  }
  httplib::Headers get_headers() const { return {{"Cookie", cookie_}}; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string origin_, cookie_, csrf_;
};

std::unique_ptr<httplib::Client> keep_alive_client(int port) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(10, 0);
  client->set_write_timeout(10, 0);
  return client;
}

// A view, as much of it as a client needs to answer: seq, status, viewer, awaiting, input and
// the next partner's view (`next`). The rest, the thread above all, is checked as JSON but not
// built: parsing it whole cost this client a fifth of its CPU, taken from the server it measures.
json parse_view(const std::string& body) {
  static const std::set<std::string> kUnread = {"thread", "partners", "progress", "flow", "pause", "pairing"};
  json view = json::parse(
      body,
      [](int, json::parse_event_t event, json& parsed) {
        return event != json::parse_event_t::key || kUnread.count(parsed.get_ref<const std::string&>()) == 0;
      },
      false);
  if (!view.is_object()) die("a view that is not a JSON object: " + body.substr(0, 200));
  return view;
}

// An answer of the shape `input` asks for: the first option, a middle scale value, a short text.
json answer_for(const json& input, std::uint64_t n) {
  const std::string type = input.value("type", "");
  const json& options = input.contains("options") ? input["options"] : json::array();
  if (input.contains("items")) {
    std::string first = options.empty() ? "yes" : options[0].value("value", "yes");
    return json::array_t(input["items"].size(), first);
  }
  if (type == "text") return "we could put the phones away at dinner, " + std::to_string(n);
  if (type == "scale") return (input.value("min", 0) + input.value("max", 10)) / 2;
  if (type == "multi") {
    json chosen = json::array();
    int want = std::max(input.value("min", 1), 1);
    for (std::size_t i = 0; i < options.size() && static_cast<int>(chosen.size()) < want; ++i) chosen.push_back(options[i]["value"]);
    return chosen;
  }
  if (options.empty()) die("an input of type \"" + type + "\" without options");
  return options[0]["value"];  // choice, feeling, yes_maybe_no, confirm
}

// What one client thread measured.
struct Tally {
  std::vector<double> turn_ms, start_ms, view_ms, echo_ms;
  std::uint64_t turns = 0, starts = 0, views = 0, echoes = 0, sessions_completed = 0;
  std::uint64_t next_views = 0;  // views of the next partner that came with a turn's answer
  std::uint64_t sessions_created = 0;  // in the window or not: what the server holds afterwards
  std::uint64_t request_bytes = 0, response_bytes = 0;
  std::uint64_t errors = 0;
  std::string first_error;
  void fail(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
  void add(const Tally& t) {
    auto append = [](std::vector<double>& to, const std::vector<double>& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(turn_ms, t.turn_ms);
    append(start_ms, t.start_ms);
    append(view_ms, t.view_ms);
    append(echo_ms, t.echo_ms);
    turns += t.turns;
    starts += t.starts;
    views += t.views;
    next_views += t.next_views;
    echoes += t.echoes;
    sessions_completed += t.sessions_completed;
    sessions_created += t.sessions_created;
    request_bytes += t.request_bytes;
    response_bytes += t.response_bytes;
    if (t.errors && !errors) first_error = t.first_error;
    errors += t.errors;
  }
};

// The measured window: requests that start at or after `from` and end before `until` count.
struct Window {
  Clock::time_point from, until;
  bool counts(Clock::time_point t0, Clock::time_point t1) const { return t0 >= from && t1 <= until; }
};

// A failed request, and which request it was on its client's connection(s).
std::string describe(const httplib::Result& res, const char* what, std::uint64_t nth) {
  std::string where = " (request " + std::to_string(nth) + " of its client)";
  if (!res) return std::string(what) + ": " + httplib::to_string(res.error()) + where;
  return std::string(what) + ": " + std::to_string(res->status) + " " + res->body.substr(0, 200) + where;
}

const json kNewSession = {{"flow", "feel-prefer-try"},
                          {"partners", json::array({{{"name", "Ana"}, {"locale", "en"}}, {{"name", "Ben"}, {"locale", "en"}}})}};

// One couple on its own connection: run() walks sessions of feel-prefer-try from start to end,
// again and again, until the window closes; populate() starts sessions and leaves each a few turns
// in, for the memory figure.
class Couple {
 public:
  Couple(const ServerProcess& server, int index, const std::string& nonce)
      : client_(keep_alive_client(server.port())), mutation_(server.mutation_headers()), get_(server.get_headers()),
        key_prefix_("bench-" + nonce + "-" + std::to_string(index) + "-") {
    // Connect now, one client after another, as to the echo server: a bare cpp-httplib 0.11.4
    // listens with a backlog of 5, and a burst of simultaneous connects overflows it (the kernel
    // then drops or resets some). Tandem raises its own backlog; both are connected alike.
    auto res = client_->Get("/api/csrf", get_);
    if (!res || res->status != 200) die("cannot connect to the server: " + describe(res, "GET /api/csrf", 1));
  }

  void run(const Window& window, Tally& tally) {
    json view;
    while (Clock::now() < window.until && tally.errors < 20) {
      if (view.is_null() || view.value("status", "") != "active") {
        if (!view.is_null() && view.value("status", "") == "completed") ++tally.sessions_completed;
        view = start(window, tally);
        continue;
      }
      view = turn(view, window, tally);
    }
  }

  // Starts `count` sessions, each `turns` turns in, and keeps none of the views.
  void populate(int count, int turns, Tally& tally) {
    Window always{Clock::time_point::min(), Clock::time_point::max()};
    for (int s = 0; s < count && tally.errors == 0; ++s) {
      json view = start(always, tally);
      for (int t = 0; t < turns && !view.is_null() && view.value("status", "") == "active"; ++t) view = turn(view, always, tally);
    }
  }

 private:
  json start(const Window& window, Tally& tally) {
    std::string body = kNewSession.dump();
    auto t0 = Clock::now();
    ++requests_;
    auto res = client_->Post("/api/sessions", with_key(), body, "application/json");
    auto t1 = Clock::now();
    if (!res || res->status != 201) {
      tally.fail(describe(res, "POST /api/sessions", requests_));
      return json();
    }
    ++tally.sessions_created;
    if (window.counts(t0, t1)) {
      tally.start_ms.push_back(millis(t1 - t0));
      ++tally.starts;
    }
    json view = parse_view(res->body);
    id_ = view.value("id", "");
    held_.clear();
    held_["a"] = view.value("seq", std::uint64_t{0});
    return view;
  }

  // One turn: the view of the partner asked (fetched if the speaker changed), then their answer.
  json turn(json view, const Window& window, Tally& tally) {
    const json& awaiting = view["awaiting"];
    if (!awaiting.is_array() || awaiting.empty()) {
      tally.fail("an active session with nobody awaited: " + view.dump().substr(0, 300));
      return json();
    }
    const std::string partner = awaiting[0];
    if (view.value("viewer", "") != partner || view["input"].is_null()) {
      auto t0 = Clock::now();
      ++requests_;
      // Like the web UI, ask only for the entries after the thread this partner's page holds.
      std::string path = "/api/sessions/" + id_ + "?partner=" + partner;
      if (auto held = held_.find(partner); held != held_.end()) path += "&after=" + std::to_string(held->second);
      auto res = client_->Get(path.c_str(), get_);
      auto t1 = Clock::now();
      if (!res || res->status != 200) {
        tally.fail(describe(res, "GET /api/sessions/{id}", requests_));
        return json();
      }
      if (window.counts(t0, t1)) {
        tally.view_ms.push_back(millis(t1 - t0));
        ++tally.views;
      }
      view = parse_view(res->body);
      held_[partner] = view.value("seq", std::uint64_t{0});
    }
    // Like the UI on a shared device: if the turn passes to the other partner, their view comes
    // with the answer (`next`), its thread after what their page holds.
    const std::string other = partner == "a" ? "b" : "a";
    json body = {{"partner", partner}, {"value", answer_for(view["input"], ++answers_)}, {"seq", view["seq"]},
                 {"after", held_[partner]}, {"next_after", held_[other]}};
    std::string text = body.dump();
    auto t0 = Clock::now();
    ++requests_;
    auto res = client_->Post(("/api/sessions/" + id_ + "/input").c_str(), with_key(), text, "application/json");
    auto t1 = Clock::now();
    if (!res || res->status != 200) {
      tally.fail(describe(res, "POST /api/sessions/{id}/input", requests_));
      return json();
    }
    if (window.counts(t0, t1)) {
      tally.turn_ms.push_back(millis(t1 - t0));
      ++tally.turns;
      tally.request_bytes += text.size();
      tally.response_bytes += res->body.size();
    }
    json answer = parse_view(res->body);
    held_[partner] = answer.value("seq", std::uint64_t{0});
    if (auto next = answer.find("next"); next != answer.end()) {
      if (window.counts(t0, t1)) ++tally.next_views;
      json view_of_next = std::move(*next);
      held_[other] = view_of_next.value("seq", std::uint64_t{0});
      return view_of_next;
    }
    return answer;
  }

  httplib::Headers with_key() {
    httplib::Headers headers = mutation_;
    headers.emplace("Idempotency-Key", key_prefix_ + std::to_string(++keys_));
    return headers;
  }

  std::unique_ptr<httplib::Client> client_;
  httplib::Headers mutation_, get_;
  std::string key_prefix_;
  std::string id_;
  std::map<std::string, std::uint64_t> held_;  // per partner: the seq up to which their page holds the thread
  std::uint64_t keys_ = 0, answers_ = 0, requests_ = 0;
};

Window window_for(double seconds_measured) {
  double warm_up = std::min(1.0, seconds_measured / 10);
  auto now = Clock::now() + std::chrono::milliseconds(50);  // the threads are started by then
  Window w;
  w.from = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warm_up));
  w.until = w.from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_measured));
  return w;
}

// Runs `work(i, window, tally)` on `threads` threads and returns what they measured together.
template <class Work>
Tally run_threads(int threads, const Window& window, Work work) {
  std::vector<Tally> tallies(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back([&, i] { work(i, window, tallies[static_cast<std::size_t>(i)]); });
  for (auto& t : pool) t.join();
  Tally all;
  for (const Tally& t : tallies) all.add(t);
  return all;
}

// One durable write per request, acknowledged by a group commit, the way the store writes a turn
// (src/store/sqlite_store.cc): the requests queue their body, a thread of its own writes every
// body waiting in one transaction (WAL, synchronous=FULL), commits once and wakes that batch.
// No engine, no views, no checks: what is left of a durable turn once all of Tandem's own work is
// taken away, so its rate bounds what durable turns can reach on this machine.
// One difference: it checkpoints the way SQLite does by default (inside a commit, every 1,000
// pages), where the store has a thread for that; so if anything, this floor is a little low.
class DurableLog {
 public:
  explicit DurableLog(const fs::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK ||
        sqlite3_exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE log(body TEXT NOT NULL) STRICT;",
                     nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "INSERT INTO log(body) VALUES(?)", -1, &insert_, nullptr) != SQLITE_OK)
      die("cannot create the durable echo's database " + file.string() + ": " + sqlite3_errmsg(db_));
    committer_ = std::thread([this] { commit_loop(); });
  }
  ~DurableLog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    committer_.join();
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  // Returns once `body` is committed (true), or its commit failed (false).
  bool append(const std::string& body) {
    Pending mine{&body};
    std::unique_lock lock(mutex_);
    queue_.push_back(&mine);
    if (!committing_) wake_.notify_one();
    batch_done_[next_batch_ % 2].wait(lock, [&] { return mine.done; });
    return mine.ok;
  }

 private:
  struct Pending {
    const std::string* body;
    bool done = false, ok = false;
  };
  void commit_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !queue_.empty() || stop_; });
      if (queue_.empty()) return;
      std::vector<Pending*> batch;
      batch.swap(queue_);
      std::condition_variable& done = batch_done_[next_batch_++ % 2];
      committing_ = true;
      lock.unlock();
      bool ok = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
      for (Pending* p : batch) {
        sqlite3_bind_text(insert_, 1, p->body->data(), static_cast<int>(p->body->size()), SQLITE_STATIC);
        ok = ok && sqlite3_step(insert_) == SQLITE_DONE;
        sqlite3_reset(insert_);
      }
      ok = ok && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
      if (!ok) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      lock.lock();
      committing_ = false;
      for (Pending* p : batch) p->ok = ok, p->done = true;
      done.notify_all();
    }
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::mutex mutex_;
  std::vector<Pending*> queue_;
  std::uint64_t next_batch_ = 0;
  bool committing_ = false, stop_ = false;
  std::condition_variable wake_, batch_done_[2];
  std::thread committer_;
};

// The bare server: cpp-httplib configured as src/http/http_server.cc configure() does, with one
// route that parses a JSON body and writes it back; with a DurableLog, only once the body is
// committed there.
class EchoServer {
 public:
  explicit EchoServer(DurableLog* log = nullptr) {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1000);
    server_.set_keep_alive_timeout(5);
    server_.set_read_timeout(5, 0);
    server_.set_write_timeout(5, 0);
    server_.set_payload_max_length(kMaxBody);
    server_.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
    server_.Post("/echo", [log](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) {
        res.status = 400;
        return;
      }
      if (log && !log->append(req.body)) {
        res.status = 500;
        return;
      }
      res.set_content(body.dump(), "application/json; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) die("the echo server cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~EchoServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

void print_latency(const char* what, std::uint64_t count, double window_s, const std::vector<double>& samples) {
  Latency l = latency(samples);
  std::printf("  %s: %llu in %.1f s (%.0f/s); p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.1f ms\n", what,
              static_cast<unsigned long long>(count), window_s, static_cast<double>(count) / window_s, l.p50, l.p95, l.p99,
              l.max);
}

struct EchoFigures {
  double per_s = 0, p99 = 0;
  std::uint64_t errors = 0;
};

// As many client threads as couples POST turn-sized JSON to `echo` with the same headers as a
// turn, for the measured window; prints what they measured.
EchoFigures run_echo(EchoServer& echo, int couples, double measured, const std::string& nonce) {
  const httplib::Headers headers = {{"Origin", "http://127.0.0.1:" + std::to_string(echo.port())},
                                    {"Cookie", "tandem=" + std::string(32, '0')},
                                    {"X-Tandem-CSRF", std::string(32, '0')}};
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < couples; ++i) {  // connected one after another, as the couples are
    clients.push_back(keep_alive_client(echo.port()));
    auto res = clients.back()->Post("/echo", headers, "{}", "application/json");
    if (!res || res->status != 200) die("cannot connect to the echo server: " + describe(res, "POST /echo", 1));
  }
  Window window = window_for(measured);
  double cpu0 = 0, busy0 = 0, cpu1 = 0, busy1 = 0;
  std::thread sampler([&] {
    std::this_thread::sleep_until(window.from);
    cpu0 = cpu_seconds(::getpid()), busy0 = machine_busy_seconds();
    std::this_thread::sleep_until(window.until);
    cpu1 = cpu_seconds(::getpid()), busy1 = machine_busy_seconds();
  });
  Tally all = run_threads(couples, window, [&](int i, const Window& w, Tally& t) {
    httplib::Client* client = clients[static_cast<std::size_t>(i)].get();
    std::uint64_t n = 0;
    while (Clock::now() < w.until && t.errors < 20) {
      ++n;
      json body = {{"partner", n % 2 ? "a" : "b"}, {"value", "we could put the phones away at dinner, " + std::to_string(n)},
                   {"seq", n}};
      std::string text = body.dump();
      httplib::Headers h = headers;
      h.emplace("Idempotency-Key", "bench-" + nonce + "-echo-" + std::to_string(i) + "-" + std::to_string(n));
      auto t0 = Clock::now();
      auto res = client->Post("/echo", h, text, "application/json");
      auto t1 = Clock::now();
      if (!res || res->status != 200 || json::parse(res->body, nullptr, false) != body) {
        t.fail(describe(res, "POST /echo", n));
        continue;
      }
      if (w.counts(t0, t1)) {
        t.echo_ms.push_back(millis(t1 - t0));
        ++t.echoes;
      }
    }
  });
  sampler.join();
  const double span = seconds(window.until - window.from);
  print_latency("echoes (POST /echo, 200)", all.echoes, span, all.echo_ms);
  std::printf("  CPU in the window: this process (server and clients) %.2f cores, other processes %.2f cores\n",
              (cpu1 - cpu0) / span, std::max(0.0, (busy1 - busy0 - (cpu1 - cpu0)) / span));
  if (all.errors)
    std::printf("  FAILED requests: %llu; the first: %s\n", static_cast<unsigned long long>(all.errors), all.first_error.c_str());
  return EchoFigures{static_cast<double>(all.echoes) / span, latency(all.echo_ms).p99, all.errors};
}

}  // namespace

int main(int argc, char** argv) {
  int couples = 16, sessions = 1000;
  double measured = 10;
  bool strict = false, quick = false;
  std::string bin = TANDEM_BIN;
  std::string data_root = std::getenv("TMPDIR") && *std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  bool set_couples = false, set_seconds = false, set_sessions = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool more = i + 1 < argc;
    if (a == "--couples" && more) couples = std::max(1, std::atoi(argv[++i])), set_couples = true;
    else if (a == "--seconds" && more) measured = std::max(0.1, std::atof(argv[++i])), set_seconds = true;
    else if (a == "--sessions" && more) sessions = std::max(1, std::atoi(argv[++i])), set_sessions = true;
    else if (a == "--bin" && more) bin = argv[++i];
    else if (a == "--data" && more) data_root = argv[++i];
    else if (a == "--quick") quick = true;
    else if (a == "--strict") strict = true;
    else {
      std::fprintf(stderr,
                   "usage: tandem_http_bench [--couples N] [--seconds S] [--sessions M] [--quick] [--strict] "
                   "[--bin PATH] [--data DIR]\n");
      return 2;
    }
  }
  if (quick) {
    if (!set_couples) couples = 2;
    if (!set_seconds) measured = 0.5;
    if (!set_sessions) sessions = 20;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  std::string pattern = (fs::path(data_root) / "tandem-http-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) die("cannot create a directory in " + data_root);
  const fs::path data(pattern);
  {
    std::lock_guard lock(g_cleanup_mutex);
    g_data_dir = data;
  }
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{data};
  const std::string nonce = std::to_string(::getpid()) + "-" + std::to_string(Clock::now().time_since_epoch().count());

  std::printf("tandem_http_bench: %u hardware threads; %d couples (one client thread and keep-alive connection each), "
              "%.1f s measured per phase%s\n",
              std::thread::hardware_concurrency(), couples, measured, quick ? " (--quick)" : "");
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    double l1 = 0, l5 = 0, l15 = 0;
    if (std::fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
      std::printf("load average before the run (1, 5, 15 min): %.2f %.2f %.2f\n", l1, l5, l15);
    std::fclose(f);
  }
  std::printf("server: %s; data in %s (%s)\n", bin.c_str(), data.c_str(), filesystem_of(data.string()).c_str());
  if (couples > static_cast<int>(kServerThreads))
    std::printf("  note: more couples than the server's %zu worker threads; keep-alive connections wait for a free one\n",
                kServerThreads);

  std::vector<Row> rows;
  std::uint64_t failures = 0;

  // The disk under the data directory: one commit's worth of write + fdatasync, alone. Its tail
  // bounds every durable turn's: a turn waits for the fsync of its commit.
  {
    const double seconds = quick ? 0.2 : 3.0;
    std::vector<double> probe = fsync_probe(data, seconds);
    Latency l = latency(probe);
    double stalled_ms = 0;
    std::size_t stalls = 0;
    for (double ms : probe) {
      if (ms > 5.0) {
        ++stalls;
        stalled_ms += ms;
      }
    }
    std::printf("  disk: 32 KiB write + fdatasync, %zu times in %.1f s: p50 %.3f ms, p99 %.3f ms, max %.2f ms;\n"
                "        %zu calls over 5 ms (%.1f per second, %.2f %% of the time)\n",
                probe.size(), seconds, l.p50, l.p99, l.max, stalls, stalls / seconds, 100.0 * stalled_ms / (seconds * 1000));
    rows.push_back({"disk: 32 KiB write + fdatasync, p50", format(l.p50, "ms"), "", true});
    rows.push_back({"disk: 32 KiB write + fdatasync, p99", format(l.p99, "ms"), "", true});
    rows.push_back({"disk: fdatasync calls over 5 ms", format(stalls / seconds, "/s"), "", true});
  }

  // (a) Tandem: couples walking feel-prefer-try, durable acknowledgements.
  double turns_per_s = 0, load_rss = 0;
  {
    fs::create_directories(data / "load");
    ServerProcess server(bin, (data / "load").string());
    auto [rss0, hwm0] = memory_mb(server.pid());
    std::vector<std::unique_ptr<Couple>> clients;
    for (int i = 0; i < couples; ++i) clients.push_back(std::make_unique<Couple>(server, i, nonce));
    Window window = window_for(measured);
    double server_cpu0 = 0, client_cpu0 = 0, busy0 = 0, server_cpu1 = 0, client_cpu1 = 0, busy1 = 0;
    std::thread sampler([&] {  // CPU time of both processes, and of the machine, at the window's edges
      std::this_thread::sleep_until(window.from);
      server_cpu0 = cpu_seconds(server.pid()), client_cpu0 = cpu_seconds(::getpid()), busy0 = machine_busy_seconds();
      std::this_thread::sleep_until(window.until);
      server_cpu1 = cpu_seconds(server.pid()), client_cpu1 = cpu_seconds(::getpid()), busy1 = machine_busy_seconds();
    });
    Tally all = run_threads(couples, window, [&](int i, const Window& w, Tally& t) { clients[static_cast<std::size_t>(i)]->run(w, t); });
    sampler.join();
    auto [rss1, hwm1] = memory_mb(server.pid());
    const double span = seconds(window.until - window.from);
    turns_per_s = static_cast<double>(all.turns) / span;
    Latency turn = latency(all.turn_ms);
    std::printf("\nTandem, feel-prefer-try, every 2xx committed (synchronous=FULL):\n");
    print_latency("durable turns (POST /input, 200)", all.turns, span, all.turn_ms);
    print_latency("session starts (POST /api/sessions, 201)", all.starts, span, all.start_ms);
    std::printf("  views of the next partner that came with a turn's answer: %llu (%.0f/s)\n",
                static_cast<unsigned long long>(all.next_views), static_cast<double>(all.next_views) / span);
    print_latency("views of the next partner asked for (GET, 200)", all.views, span, all.view_ms);
    std::printf("  sessions walked to the end: %llu; turn bodies %.0f B sent, %.0f B answered on average\n",
                static_cast<unsigned long long>(all.sessions_completed),
                all.turns ? static_cast<double>(all.request_bytes) / static_cast<double>(all.turns) : 0.0,
                all.turns ? static_cast<double>(all.response_bytes) / static_cast<double>(all.turns) : 0.0);
    double commits = static_cast<double>(all.turns + all.starts);
    const double server_cores = (server_cpu1 - server_cpu0) / span, client_cores = (client_cpu1 - client_cpu0) / span;
    std::printf("  CPU in the window: server %.2f cores, this client %.2f cores, other processes %.2f cores "
                "(of %u); server CPU per commit %.0f µs (the views it served included)\n",
                server_cores, client_cores, std::max(0.0, (busy1 - busy0) / span - server_cores - client_cores),
                std::thread::hardware_concurrency(), commits > 0 ? (server_cpu1 - server_cpu0) / commits * 1e6 : 0.0);
    // The server keeps at most 1,000 sessions in memory, at most 100 of them finished
    // (tandem::Limits): most of those started here were walked to the end and let go.
    std::printf("  server memory: VmRSS %.1f MB at start, %.1f MB after (VmHWM %.1f MB), %llu sessions started (warm-up\n"
                "    included); it keeps at most 1,000 in memory, at most 100 of them finished\n",
                rss0, rss1, hwm1, static_cast<unsigned long long>(all.sessions_created));
    if (all.errors)
      std::printf("  FAILED requests: %llu; the first: %s\n", static_cast<unsigned long long>(all.errors), all.first_error.c_str());
    failures += all.errors;
    if (all.turns == 0) {
      std::printf("  FAILED: no turn was acknowledged\n");
      ++failures;
    }
    load_rss = rss1;
    rows.push_back({"durable turns/s (POST /input, 200)", format(turns_per_s, "/s"), "", true});
    rows.push_back({"server CPU per commit, views included",
                    format(commits > 0 ? (server_cpu1 - server_cpu0) / commits * 1e6 : 0.0, "µs"), "", true});
    rows.push_back({"requests/s, turns + starts + views",
                    format(static_cast<double>(all.turns + all.starts + all.views) / span, "/s"), "", true});
    rows.push_back({"turn latency p50", format(turn.p50, "ms"), "", true});
    rows.push_back({"turn latency p95", format(turn.p95, "ms"), "", true});
    rows.push_back({"turn latency p99", format(turn.p99, "ms"), "≤ " + format(kTurnP99TargetMs, "ms"), turn.p99 <= kTurnP99TargetMs});
    rows.push_back({"turn latency max", format(turn.max, "ms"), "", true});
  }

  // (b) The bare cpp-httplib echo server, as many client threads, the same duration.
  double echo_per_s = 0;
  {
    EchoServer echo;
    std::printf("\nBare cpp-httplib JSON echo server (in this process, configured as http_server.cc), %d client threads:\n",
                couples);
    EchoFigures e = run_echo(echo, couples, measured, nonce);
    failures += e.errors;
    echo_per_s = e.per_s;
    double ratio = echo_per_s > 0 ? turns_per_s / echo_per_s : 0;
    rows.push_back({"echo req/s", format(echo_per_s, "/s"), "", true});
    rows.push_back({"echo latency p99", format(e.p99, "ms"), "", true});
    rows.push_back({"durable turns/s ÷ echo req/s", format(ratio * 100, "%"), "≥ " + format(kRatioTarget * 100, "%"),
                    ratio >= kRatioTarget});
  }

  // (b') The same echo server, answering each request only once its body is committed: the
  // floor under a durable turn, for (a) to be read against.
  {
    fs::create_directories(data / "durable-echo");
    DurableLog log(data / "durable-echo" / "log.db");
    EchoServer echo(&log);
    std::printf("\nThe same echo server, each body committed before its answer (one group commit, WAL,\n"
                "synchronous=FULL; no engine, no views), %d client threads:\n",
                couples);
    EchoFigures e = run_echo(echo, couples, measured, nonce);
    failures += e.errors;
    rows.push_back({"durable echo req/s (the floor)", format(e.per_s, "/s"), "", true});
    rows.push_back({"durable echo ÷ echo req/s", format(echo_per_s > 0 ? e.per_s / echo_per_s * 100 : 0, "%"), "", true});
    rows.push_back({"durable echo latency p99", format(e.p99, "ms"), "", true});
  }

  // (c) Memory: a fresh server holding `sessions` live sessions, each a few turns in.
  {
    fs::create_directories(data / "memory");
    ServerProcess server(bin, (data / "memory").string());
    auto [rss0, hwm0] = memory_mb(server.pid());
    std::vector<std::unique_ptr<Couple>> clients;
    int threads = std::min(couples, sessions);
    for (int i = 0; i < threads; ++i) clients.push_back(std::make_unique<Couple>(server, 1000 + i, nonce));
    auto t0 = Clock::now();
    Tally all = run_threads(threads, Window{}, [&](int i, const Window&, Tally& t) {
      int count = sessions / threads + (i < sessions % threads ? 1 : 0);
      clients[static_cast<std::size_t>(i)]->populate(count, kTurnsPerMemorySession, t);
    });
    auto t1 = Clock::now();
    auto [rss, hwm] = memory_mb(server.pid());
    std::printf("\nMemory: a fresh server, %d sessions started and %d turns in each (%llu commits in %.1f s):\n", sessions,
                kTurnsPerMemorySession, static_cast<unsigned long long>(all.starts + all.turns), seconds(t1 - t0));
    std::printf("  VmRSS %.1f MB before, %.1f MB after (%.1f kB per session); VmHWM %.1f MB\n", rss0, rss,
                (rss - rss0) * 1024 / sessions, hwm);
    if (all.errors)
      std::printf("  FAILED requests: %llu; the first: %s\n", static_cast<unsigned long long>(all.errors), all.first_error.c_str());
    failures += all.errors;
    std::string n = sessions == 1000 ? "1,000" : std::to_string(sessions);
    rows.push_back({"VmRSS, " + n + " live sessions", format(rss, "MB"), "≤ " + format(kMemoryTargetMb, "MB"), rss <= kMemoryTargetMb});
    rows.push_back({"VmHWM (peak), " + n + " live sessions", format(hwm, "MB"), "≤ " + format(kMemoryTargetMb, "MB"),
                    hwm <= kMemoryTargetMb});
    rows.push_back({"VmRSS per live session, " + std::to_string(kTurnsPerMemorySession) + " turns in",
                    format((rss - rss0) * 1024 / sessions, "kB"), "", true});
    rows.push_back({"VmRSS after the load phase", format(load_rss, "MB"), "", true});
  }

  bool all_ok = print_rows(rows);
  if (failures) {
    std::printf("\n%llu request(s) failed: the figures above are not valid\n", static_cast<unsigned long long>(failures));
    return 1;
  }
  return strict && !all_ok ? 1 : 0;
}
