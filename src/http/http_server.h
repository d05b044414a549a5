// The HTTP front end: JSON API under /api/, the embedded web UI, live on loopback only.
// Routes are thin: parse, call SessionService, map the result to a status and JSON.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "app/session_service.h"
#include "core/result.h"

namespace tandem {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 4747;  // 0: any free port
  std::size_t threads = 32;
  std::size_t max_body = 64 * 1024;
  std::string secret;  // per-launch secret for the printed address; empty: a random one
  bool lan = false;    // `host` is an address on the local network (tandem serve --lan)
  // A connection must deliver each complete request within this budget (slow clients); checked
  // every `scan_every`.
  std::chrono::milliseconds request_budget{10'000};
  std::chrono::milliseconds scan_every{1'000};
  std::size_t max_streams = 16;                      // live event streams at once
  std::chrono::milliseconds keep_alive_every{15'000};  // a comment line on quiet streams
};

class HttpServer {
 public:
  // `web` maps paths under web/ ("index.html", "app.js") to their content, which must outlive
  // the server (it is embedded in the binary).
  HttpServer(SessionService& service, std::map<std::string, std::string_view> web, HttpOptions options);
  ~HttpServer();

  // Binds the socket and returns the port (the chosen one when options.port is 0).
  Result<int> bind();
  // The address to open, with the per-launch secret: http://127.0.0.1:PORT/?token=…
  // Opening it sets an HttpOnly, SameSite=Strict cookie and redirects to the address without it.
  std::string address() const;
  const std::string& secret() const;
  const std::string& csrf() const;
  // Serves until stop(); call after bind().
  void run();
  void stop();
  bool running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem
