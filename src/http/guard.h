// The server's front door: checks every request must pass before any route sees it, and the
// headers every response carries. Debian's cpp-httplib 0.11.4 predates many upstream fixes, so
// what it handles badly (chunked or compressed bodies, Range, missing or oversize lengths, floods
// of headers) is refused here, before it is read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace httplib {
struct Request;
}

namespace tandem {

struct GuardConfig {
  std::vector<std::string> hosts;    // accepted Host values, e.g. "127.0.0.1:4747"
  std::size_t max_body = 64 * 1024;
  std::size_t max_headers = 64;
  std::string secret;                // per-launch: in the address printed at start, then a cookie
  std::string csrf;                  // per-launch: sent back in X-Tandem-CSRF on every mutation
};

inline constexpr const char* kSessionCookie = "tandem";
inline constexpr const char* kDeviceCookie = "tandem_device";  // a second device, joined by pairing code
inline constexpr const char* kCsrfHeader = "X-Tandem-CSRF";

// The value of one cookie in a Cookie header, or "".
std::string cookie_value(const std::string& header, const std::string& name);

// Comparison that takes as long for a near miss as for a far one.
bool same_secret(const std::string& a, const std::string& b);

// Host values a server bound to `host`:`port` answers to: loopback names, plus `host` itself.
std::vector<std::string> own_hosts(const std::string& host, int port);

// The problem with a request, or nothing if it may proceed.
std::optional<Error> check_request(const httplib::Request& request, const GuardConfig& config);

// Headers on every response (set as the server's default headers).
std::vector<std::pair<std::string, std::string>> security_headers();

// HTTP status for an error code.
int status_for(const std::string& code);
// Short English title for problem+json ("Not your turn").
std::string title_for(const std::string& code);

}  // namespace tandem
