#include "http/guard.h"

#include <algorithm>
#include <map>

#include <httplib.h>

namespace tandem {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_mutation(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

struct CodeInfo {
  int status;
  const char* title;
};

const std::map<std::string, CodeInfo>& codes() {
  static const std::map<std::string, CodeInfo> table = {
      {"malformed-json", {400, "Malformed JSON"}},
      {"invalid-utf8", {400, "Invalid UTF-8"}},
      {"invalid-field", {400, "Invalid field"}},
      {"text-empty", {400, "Empty text"}},
      {"text-too-long", {400, "Text too long"}},
      {"invalid-choice", {400, "Invalid choice"}},
      {"invalid-scale", {400, "Value out of range"}},
      {"unsupported-encoding", {400, "Unsupported encoding"}},
      {"forbidden-host", {403, "Forbidden host"}},
      {"forbidden-origin", {403, "Forbidden origin"}},
      {"forbidden-csrf", {403, "Forbidden: CSRF token"}},
      {"not-signed-in", {401, "Not signed in"}},
      {"forbidden-device", {403, "Not on this device"}},
      {"partner-on-other-device", {403, "Partner on another device"}},
      {"pairing-code", {400, "Pairing code not valid"}},
      {"too-many-tries", {429, "Too many tries"}},
      {"not-found", {404, "Not found"}},
      {"unknown-session", {404, "Unknown session"}},
      {"unknown-flow", {404, "Unknown flow"}},
      {"not-your-turn", {409, "Not your turn"}},
      {"paused", {409, "Paused"}},
      {"not-paused", {409, "Not paused"}},
      {"ended", {409, "Ended"}},
      {"seq-conflict", {409, "Sequence conflict"}},
      {"length-required", {411, "Length required"}},
      {"payload-too-large", {413, "Payload too large"}},
      {"unsupported-media-type", {415, "Unsupported media type"}},
      {"headers-too-large", {431, "Too many headers"}},
      {"internal", {500, "Internal error"}},
      {"storage-corrupt", {500, "Storage damaged"}},
      {"busy", {503, "Busy"}},
      {"storage-full", {507, "Storage full"}},
  };
  return table;
}

}  // namespace

std::vector<std::string> own_hosts(const std::string& host, int port) {
  std::string p = ":" + std::to_string(port);
  std::vector<std::string> hosts = {"127.0.0.1" + p, "localhost" + p, "[::1]" + p};
  std::string bound = host.find(':') != std::string::npos ? "[" + host + "]" + p : host + p;
  if (std::find(hosts.begin(), hosts.end(), bound) == hosts.end()) hosts.push_back(bound);
  return hosts;
}

std::string cookie_value(const std::string& header, const std::string& name) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    std::string part = header.substr(start, end == std::string::npos ? std::string::npos : end - start);
    part.erase(0, part.find_first_not_of(' '));
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=')
      return part.substr(name.size() + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

std::optional<Error> check_request(const httplib::Request& req, const GuardConfig& config) {
  // DNS rebinding: a page on another name that resolves to 127.0.0.1 must get nothing.
  std::string host = lower(req.get_header_value("Host"));
  if (std::find(config.hosts.begin(), config.hosts.end(), host) == config.hosts.end())
    return make_error("forbidden-host", "Host \"" + host + "\" is not served here");
  if (req.headers.size() > config.max_headers)
    return make_error("headers-too-large", std::to_string(req.headers.size()) + " headers");
  // cpp-httplib 0.11.4 adds REMOTE_ADDR/REMOTE_PORT as headers; one sent by the client would
  // shadow the real address, so a request that brings its own is refused.
  for (const char* own : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"})
    if (req.headers.count(own) > 1) return make_error("invalid-field", std::string("client-sent ") + own, {{"field", own}});
  if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding") || req.has_header("Range"))
    return make_error("unsupported-encoding", "Transfer-Encoding, Content-Encoding and Range are not accepted");
  if (req.has_header("Content-Length")) {
    const std::string length = req.get_header_value("Content-Length");
    bool digits = !length.empty() && length.size() <= 18 &&
                  std::all_of(length.begin(), length.end(), [](unsigned char c) { return std::isdigit(c); });
    if (!digits) return make_error("invalid-field", "bad Content-Length", {{"field", "Content-Length"}});
    if (std::stoull(length) > config.max_body) return make_error("payload-too-large", "body of " + length + " bytes");
  }
  // Only the browser that opened the printed address holds the cookie.
  if (!config.secret.empty() && !same_secret(cookie_value(req.get_header_value("Cookie"), kSessionCookie), config.secret))
    return make_error("not-signed-in", "no session cookie");
  if (!is_mutation(req.method)) return std::nullopt;

  // Mutations: only from our own pages.
  std::string origin = lower(req.get_header_value("Origin"));
  bool own_origin = origin.starts_with("http://") &&
                    std::find(config.hosts.begin(), config.hosts.end(), origin.substr(7)) != config.hosts.end();
  if (!own_origin) return make_error("forbidden-origin", "Origin \"" + origin + "\" may not change anything here");
  std::string type = lower(req.get_header_value("Content-Type"));
  if (!(type == "application/json" || type.starts_with("application/json;")))
    return make_error("unsupported-media-type", "Content-Type \"" + type + "\"");
  if (!req.has_header("Content-Length")) return make_error("length-required", "a mutation needs Content-Length");
  if (!config.csrf.empty() && !same_secret(req.get_header_value(kCsrfHeader), config.csrf))
    return make_error("forbidden-csrf", "missing or wrong CSRF token");
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"Cache-Control", "no-store"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
}

int status_for(const std::string& code) {
  auto it = codes().find(code);
  return it == codes().end() ? 500 : it->second.status;
}

std::string title_for(const std::string& code) {
  auto it = codes().find(code);
  return it == codes().end() ? "Internal error" : it->second.title;
}

}  // namespace tandem
