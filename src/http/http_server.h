// The HTTP front end: JSON API under /api/, the embedded web UI, live on loopback only.
// Routes are thin: parse, call SessionService, map the result to a status and JSON.
#pragma once

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
