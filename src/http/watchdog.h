// Slow clients: cpp-httplib 0.11.4 only bounds each read (5 s), so a client that sends one byte
// every few seconds can hold a pool thread forever, and a few dozen such clients hold them all.
// The watchdog gives every connection a budget to deliver a complete request (counted from when
// it was first seen or its last answer): past it, and not inside a handler, the connection is
// shut down, which ends the blocked read and frees the thread. Handlers (a live event stream, a
// slow commit) are never cut.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace tandem {

class ConnectionWatchdog {
 public:
  ConnectionWatchdog(int port, std::chrono::milliseconds budget, std::chrono::milliseconds scan_every);
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  // A complete request from this peer reached the routes / its answer was written.
  void request_started(const std::string& address, int port);
  void request_finished(const std::string& address, int port);
  // Connections cut so far (for tests and figures).
  std::uint64_t cut() const { return cut_; }

 private:
  using Peer = std::pair<std::string, int>;
  struct Connection {
    std::chrono::steady_clock::time_point since;  // first seen, or last answer written
    bool busy = false;                            // inside a handler
  };
  void run();
  void scan();

  int port_;
  std::chrono::milliseconds budget_;
  std::chrono::milliseconds scan_every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<Peer, Connection> connections_;
  std::atomic<std::uint64_t> cut_{0};
  std::thread thread_;
};

}  // namespace tandem
