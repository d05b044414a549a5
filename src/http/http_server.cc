#include "http/http_server.h"

#include <algorithm>
#include <atomic>

#include <httplib.h>

#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "engine/value_json.h"
#include "app/views.h"
#include "http/guard.h"
#include "http/json_text.h"
#include "http/pairing.h"
#include "http/watchdog.h"
#include "i18n/formats.h"
#include "i18n/text.h"

namespace tandem {

using nlohmann::json;

namespace {

std::string mime_type(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".json", "application/json"},         {".woff2", "font/woff2"},
  };
  auto dot = path.rfind('.');
  auto it = dot == std::string::npos ? types.end() : types.find(path.substr(dot));
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '<') escaped += "&lt;";
    else if (c == '>') escaped += "&gt;";
    else if (c == '&') escaped += "&amp;";
    else if (c == '"') escaped += "&quot;";
    else escaped += c;
  }
  return escaped;
}

// Who is asking: the browser that opened the printed address (the owner), or a device that
// joined one session with a pairing code.
struct Identity {
  bool owner = false;
  std::optional<DeviceGrant> device;
};

}  // namespace

struct HttpServer::Impl {
  SessionService& service;
  std::map<std::string, std::string_view> web;
  HttpOptions options;
  GuardConfig guard;
  httplib::Server server;
  int port = 0;
  int listener = -1;  // the listening socket, as cpp-httplib's socket options hook saw it
  Pairing pairing;
  std::unique_ptr<ConnectionWatchdog> watchdog;  // from bind(), when the port is known
  std::atomic<std::size_t> streams{0};
  std::atomic<bool> stopping{false};

  Impl(SessionService& s, std::map<std::string, std::string_view> w, HttpOptions o)
      : service(s), web(std::move(w)), options(std::move(o)) {}

  // The locale for a response: ?locale=, else the partner's own, else Accept-Language.
  std::string locale_for(const httplib::Request& req, const std::string& session_id = "",
                         std::optional<Partner> partner = std::nullopt) {
    if (req.has_param("locale")) return service.locales().from_tag(req.get_param_value("locale"));
    if (!session_id.empty() && partner) {
      if (auto locale = service.partner_locale(session_id, *partner)) return *locale;
    }
    return service.locales().from_accept_language(req.get_header_value("Accept-Language"));
  }

  // The checks a request must pass before it may even exchange the secret (Host and the like).
  std::optional<Error> check_request_without_cookie(const httplib::Request& req) {
    GuardConfig open = guard;
    open.secret.clear();
    return check_request(req, open);
  }

  // A small page of our own (sign-in, join), in the reader's language and direction.
  void send_page(httplib::Response& res, int status, const std::string& locale, const std::string& title,
                 const std::string& body) {
    res.status = status;
    res.set_content("<!doctype html><html lang=\"" + escape_html(locale) + "\" dir=\"" + LocaleNegotiator::direction(locale) +
                        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                        "<title>" + escape_html(title) + "</title><link rel=\"stylesheet\" href=\"/join.css\"></head><body><main>" +
                        body + "</main></body></html>",
                    "text/html; charset=utf-8");
  }

  // Opened without the printed address (or with an old one): a calm page that says what to do,
  // and the way in for a second device.
  void send_sign_in_page(const httplib::Request& req, httplib::Response& res) {
    std::string locale = locale_for(req);
    std::string text = service.error_detail(make_error("not-signed-in", ""), locale);
    send_page(res, 401, locale, "Tandem",
              "<h1>Tandem</h1><p>" + escape_html(text) + "</p><p><a href=\"/join\">" +
                  escape_html(service.ui_text(locale, "ui.join.from_sign_in")) + "</a></p>");
  }

  // The second device's way in: a field for the code shown on the first device. The form sends
  // the code back to /join, so this page alone allows form-action 'self'.
  void send_join_page(const httplib::Request& req, httplib::Response& res, int status, const std::optional<Error>& problem) {
    std::string locale = locale_for(req);
    std::string body = "<h1>" + escape_html(service.ui_text(locale, "ui.join.title")) + "</h1>";
    if (problem) body += "<p role=\"alert\" class=\"problem\">" + escape_html(service.error_detail(*problem, locale)) + "</p>";
    body += "<p>" + escape_html(service.ui_text(locale, "ui.join.intro")) + "</p>"
            "<form method=\"get\" action=\"/join\"><label for=\"code\">" + escape_html(service.ui_text(locale, "ui.join.code_label")) +
            "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\""
            " maxlength=\"12\" required autofocus><button type=\"submit\">" + escape_html(service.ui_text(locale, "ui.join.submit")) +
            "</button></form>";
    send_page(res, status, locale, service.ui_text(locale, "ui.join.title"), body);
    res.headers.erase("Content-Security-Policy");
    std::string policy = security_headers().front().second;
    policy.replace(policy.find("form-action 'none'"), 18, "form-action 'self'");
    res.set_header("Content-Security-Policy", policy);
  }

  // GET /join?code=…: a right code becomes this device's cookie for one partner of one session.
  void join(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("code")) return send_join_page(req, res, 200, std::nullopt);
    std::string code;
    for (char c : req.get_param_value("code"))
      if (c >= '0' && c <= '9') code += c;  // "482 913" and "482-913" are the same code
    auto token = pairing.redeem(code, now_ms());
    if (!token) return send_join_page(req, res, status_for(token.error().code), token.error());
    auto grant = pairing.device(*token);
    service.wake_all();  // the first device's stream now shows "devices": "two"
    res.status = 303;
    res.set_header("Location", "/?session=" + grant->session + "&partner=" + std::string(to_string(grant->partner)));
    res.set_header("Set-Cookie", std::string(kDeviceCookie) + "=" + *token + "; HttpOnly; SameSite=Strict; Path=/");
  }

  static std::int64_t now_ms() { return SystemClock().now_ms(); }

  Identity identity_of(const httplib::Request& req) {
    std::string cookies = req.get_header_value("Cookie");
    Identity who;
    who.owner = same_secret(cookie_value(cookies, kSessionCookie), guard.secret);
    if (!who.owner) {
      std::string token = cookie_value(cookies, kDeviceCookie);
      if (!token.empty()) who.device = pairing.device(token);
    }
    return who;
  }

  // What a joined device may reach: the web UI, a few read-only basics, and its own session as
  // its own partner (partners of mutations are checked by the route, which reads the body).
  static bool device_may(const httplib::Request& req, const DeviceGrant& grant) {
    if (!req.path.starts_with("/api/")) return req.method == "GET";
    if (req.method == "GET" && (req.path == "/api/me" || req.path == "/api/csrf" || req.path == "/api/ui" || req.path == "/api/locales"))
      return true;
    const std::string own = "/api/sessions/" + grant.session;
    if (!req.path.starts_with(own)) return false;
    std::string rest = req.path.substr(own.size());
    if (req.method == "POST") return rest == "/input" || rest == "/pause" || rest == "/resume" || rest == "/stop";
    bool readable = rest.empty() || rest == "/events" || rest == "/transcript" || rest == "/transcript.md" ||
                    rest == "/transcript.txt" || rest == "/transcript.html";
    return readable && req.get_param_value("partner") == to_string(grant.partner);
  }

  // May this request see or act as `partner` of session `id`? A device only as its own partner;
  // the owner not as a partner who joined on another device (their private answers stay there).
  Status may_act_as(const httplib::Request& req, const std::string& id, Partner partner) {
    Identity who = identity_of(req);
    if (who.device) {
      if (who.device->session != id || who.device->partner != partner)
        return make_error("forbidden-device", "this device joined another session or partner");
      return Ok{};
    }
    if (pairing.joined(id, partner)) return make_error("partner-on-other-device", "that partner joined on another device");
    return Ok{};
  }

  // Adds what only the HTTP layer knows to a view: one device or two, and a pairing code waiting
  // to be used (shown to the owner only).
  json decorate(json view, const std::string& id, bool owner) {
    bool two = pairing.joined(id, Partner::A) || pairing.joined(id, Partner::B);
    view["devices"] = two ? "two" : "one";
    view["pairing"] = nullptr;
    if (owner && !two) {
      if (auto code = pairing.outstanding(id, now_ms())) view["pairing"] = pairing_json(*code);
    }
    return view;
  }

  json pairing_json(const PairingCode& code) {
    std::string host = options.lan ? own_hosts(options.host, port).back() : "127.0.0.1:" + std::to_string(port);
    return {{"code", code.code},
            {"link", "http://" + host + "/join?code=" + code.code},
            {"partner", to_string(code.partner)},
            {"expires_at", iso8601_utc(code.expires_ms)},
            {"expires_in", (code.expires_ms - now_ms() + 999) / 1000}};
  }

  // GET /api/sessions/{id}/events?partner=x: the partner's view now and after every change, as
  // Server-Sent Events. Each event is rendered for that partner alone. The first carries the
  // whole thread; each later one only the entries after the view sent before it (`thread_after`),
  // and a change that adds nothing the page would show sends nothing.
  void events(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    auto partner = parse_partner(req.get_param_value("partner"));
    if (!partner) return send_problem(res, make_error("invalid-field", "?partner= must be a or b", {{"field", "partner"}}), locale_for(req));
    std::string locale = locale_for(req, id, partner);
    if (auto ok = may_act_as(req, id, *partner); !ok) return send_problem(res, ok.error(), locale);
    if (auto first = service.view(id, *partner, ""); !first) return send_problem(res, first.error(), locale);
    if (streams.fetch_add(1) >= options.max_streams) {
      --streams;
      return send_problem(res, make_error("busy", "too many live streams"), locale);
    }
    bool owner = identity_of(req).owner;
    struct Stream {
      std::uint64_t seen = 0;
      std::optional<std::uint64_t> sent_seq;  // the seq of the last view sent: the page holds its thread
      std::string last;  // the last view sent, its thread aside
      bool started = false;
    };
    auto stream = std::make_shared<Stream>();
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, id, viewer = *partner, owner, stream](std::size_t, httplib::DataSink& sink) {
          if (stream->started) {
            std::uint64_t now = service.wait_for_change(stream->seen, options.keep_alive_every);
            if (stopping) {
              sink.done();
              return true;
            }
            if (now == stream->seen) return sink.write(": keep-alive\n\n", 14);
            stream->seen = now;
          } else {
            stream->seen = service.changes();
            stream->started = true;
          }
          auto view = service.view(id, viewer, "", stream->sent_seq);
          if (!view) {  // deleted: the stream ends
            sink.done();
            return true;
          }
          json sent = decorate(std::move(*view), id, owner);
          json thread = std::move(sent["thread"]);
          sent.erase("thread");
          sent.erase("thread_after");
          std::string rest = json_text(sent);
          if (thread.empty() && rest == stream->last) return true;
          stream->last = std::move(rest);
          sent["thread"] = std::move(thread);
          if (stream->sent_seq) sent["thread_after"] = *stream->sent_seq;
          stream->sent_seq = sent["seq"].get<std::uint64_t>();
          std::string message = "event: view\ndata: " + json_text(sent) + "\n\n";
          return sink.write(message.data(), message.size());
        },
        [this](bool) { --streams; });
  }

  // Every mutation names itself with an Idempotency-Key, so a retry never writes twice.
  static Result<std::string> idempotency_key(const httplib::Request& req) {
    std::string key = req.get_header_value("Idempotency-Key");
    bool printable = std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 32 && c < 127; });
    if (key.empty() || key.size() > 128 || !printable)
      return make_error("invalid-field", "a mutation needs an Idempotency-Key of 1 to 128 visible characters",
                        {{"field", "Idempotency-Key"}});
    return key;
  }

  void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(json_text(body), "application/json; charset=utf-8");
  }

  void send_problem(httplib::Response& res, const Error& error, const std::string& locale) {
    json body = {{"type", "urn:tandem:problem:" + error.code},
                 {"code", error.code},
                 {"title", title_for(error.code)},
                 {"status", status_for(error.code)},
                 {"detail", service.error_detail(error, locale)}};
    for (const char* extra : {"seq", "field", "max"}) {
      auto it = error.args.find(extra);
      if (it == error.args.end()) continue;
      if (is_text(it->second)) body[extra] = std::get<std::string>(it->second);
      else body[extra] = std::get<std::int64_t>(it->second);
    }
    res.status = status_for(error.code);
    if (error.code == "busy") res.set_header("Retry-After", "1");
    res.set_content(body.dump(), "application/problem+json; charset=utf-8");
  }

  // Parses a JSON object body; refuses invalid UTF-8 before the parser sees it.
  Result<json> body_of(const httplib::Request& req) {
    if (!is_valid_utf8(req.body)) return make_error("invalid-utf8", "the body is not valid UTF-8");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return make_error("malformed-json", "the body is not valid JSON");
    if (!body.is_object()) return make_error("invalid-field", "the body must be a JSON object", {{"field", "body"}});
    return body;
  }

  static Result<Partner> partner_field(const json& body) {
    auto p = body.value("partner", json());
    auto partner = p.is_string() ? parse_partner(p.get<std::string>()) : std::nullopt;
    if (!partner) return make_error("invalid-field", "\"partner\" must be \"a\" or \"b\"", {{"field", "partner"}});
    return *partner;
  }

  void routes() {
    server.Get("/api/locales", [this](const httplib::Request& req, httplib::Response& res) {
      send_json(res, 200, service.list_locales(locale_for(req)));
    });
    server.Get("/api/ui", [this](const httplib::Request& req, httplib::Response& res) {
      send_json(res, 200, service.ui_strings(locale_for(req)));
    });
    server.Get("/api/csrf", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"csrf", guard.csrf}});
    });
    server.Get("/api/me", [this](const httplib::Request& req, httplib::Response& res) {
      Identity who = identity_of(req);
      if (who.device)
        return send_json(res, 200, {{"role", "partner"}, {"session", who.device->session}, {"partner", to_string(who.device->partner)}});
      send_json(res, 200, {{"role", "owner"}});
    });
    // A code for the other partner's device (replaces an earlier one for this session).
    server.Post(R"(/api/sessions/([^/]+)/pair)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      std::string locale = locale_for(req);
      auto body = body_of(req);
      if (!body) return send_problem(res, body.error(), locale);
      auto partner = partner_field(*body);
      if (!partner) return send_problem(res, partner.error(), locale);
      if (auto key = idempotency_key(req); !key) return send_problem(res, key.error(), locale);
      if (auto view = service.view(id, *partner, ""); !view) return send_problem(res, view.error(), locale);
      json code = pairing_json(pairing.issue(id, *partner, now_ms()));
      service.wake_all();  // the owner's streams carry the waiting code
      send_json(res, 201, code);
    });
    server.Get(R"(/api/sessions/([^/]+)/events)", [this](const httplib::Request& req, httplib::Response& res) { events(req, res); });
    server.Get("/api/flows", [this](const httplib::Request& req, httplib::Response& res) {
      send_json(res, 200, service.list_flows(locale_for(req)));
    });
    server.Post("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto body = body_of(req);
      if (!body) return send_problem(res, body.error(), locale);
      auto request = new_session(*body);
      if (!request) return send_problem(res, request.error(), locale);
      auto key = idempotency_key(req);
      if (!key) return send_problem(res, key.error(), locale);
      request->idempotency_key = *key;
      auto view = service.create(*request);
      if (!view) return send_problem(res, view.error(), locale);
      std::string id = (*view)["id"];
      send_json(res, 201, decorate(std::move(*view), id, true));
    });
    server.Get(R"(/api/sessions/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      auto partner = parse_partner(req.get_param_value("partner"));
      if (!partner)
        return send_problem(res, make_error("invalid-field", "?partner= must be a or b", {{"field", "partner"}}), locale_for(req));
      std::string locale = req.has_param("locale") ? locale_for(req) : "";
      if (auto ok = may_act_as(req, id, *partner); !ok) return send_problem(res, ok.error(), locale_for(req, id, partner));
      std::optional<std::uint64_t> after;
      if (req.has_param("after")) {
        after = parse_seq(req.get_param_value("after"));
        if (!after)
          return send_problem(res, make_error("invalid-field", "?after= must be a seq (a whole number)", {{"field", "after"}}),
                              locale_for(req, id, partner));
      }
      auto view = service.view(id, *partner, locale, after);
      if (!view) return send_problem(res, view.error(), locale_for(req, id, partner));
      send_json(res, 200, decorate(std::move(*view), id, identity_of(req).owner));
    });
    // Deleting is for real (secure_delete, WAL checkpoint, vacuum) and cannot be undone, so
    // everything needs an explicit confirmation in the body.
    server.Post(R"(/api/sessions/([^/]+)/delete)", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto body = body_of(req);
      if (!body) return send_problem(res, body.error(), locale);
      if (auto ok = service.delete_session(req.matches[1]); !ok) return send_problem(res, ok.error(), locale);
      pairing.forget(req.matches[1]);
      send_json(res, 200, {{"deleted", req.matches[1].str()}});
    });
    server.Post("/api/delete-everything", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto body = body_of(req);
      if (!body) return send_problem(res, body.error(), locale);
      if (body->value("confirm", json()) != "delete everything")
        return send_problem(res, make_error("invalid-field", "confirm must be \"delete everything\"", {{"field", "confirm"}}), locale);
      if (auto ok = service.delete_everything(); !ok) return send_problem(res, ok.error(), locale);
      pairing.forget_all();
      send_json(res, 200, {{"deleted", "everything"}});
    });
    server.Post(R"(/api/sessions/([^/]+)/(input|pause|resume|stop))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  const std::string id = req.matches[1];
                  const std::string action = req.matches[2];
                  auto body = body_of(req);
                  if (!body) return send_problem(res, body.error(), locale_for(req));
                  auto partner = partner_field(*body);
                  if (!partner) return send_problem(res, partner.error(), locale_for(req));
                  auto mutation = mutation_of(action, *partner, *body);
                  std::string locale = locale_for(req, id, *partner);
                  if (!mutation) return send_problem(res, mutation.error(), locale);
                  if (auto ok = may_act_as(req, id, *partner); !ok) return send_problem(res, ok.error(), locale);
                  auto key = idempotency_key(req);
                  if (!key) return send_problem(res, key.error(), locale);
                  mutation->idempotency_key = *key;
                  // The other partner's view only for a caller who may read it (not a partner's own
                  // device, nor the owner once that partner joined on theirs): otherwise no `next`.
                  if (mutation->next_after && !may_act_as(req, id, other(*partner))) mutation->next_after.reset();
                  auto view = service.mutate(id, *mutation);
                  if (!view) return send_problem(res, view.error(), locale);
                  bool owner = identity_of(req).owner;
                  if (auto next = view->find("next"); next != view->end()) *next = decorate(std::move(*next), id, owner);
                  send_json(res, 200, decorate(std::move(*view), id, owner));
                });
    server.Get(R"(/api/sessions/([^/]+)/transcript)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      std::string locale = transcript_locale(req, id);
      if (auto ok = may_read_transcript(req, id); !ok) return send_problem(res, ok.error(), locale);
      auto tz = time_zone_of(req);
      if (!tz) return send_problem(res, tz.error(), locale);
      auto transcript = service.transcript(id, locale, parse_partner(req.get_param_value("partner")), *tz);
      if (!transcript) return send_problem(res, transcript.error(), locale);
      send_json(res, 200, *transcript);
    });
    // Exports: Markdown and plain text to download, HTML as a printable page.
    server.Get(R"(/api/sessions/([^/]+)/transcript\.(md|txt|html))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      const std::string extension = req.matches[2];
      std::string locale = transcript_locale(req, id);
      if (auto ok = may_read_transcript(req, id); !ok) return send_problem(res, ok.error(), locale);
      auto tz = time_zone_of(req);
      if (!tz) return send_problem(res, tz.error(), locale);
      TranscriptFormat format = extension == "md" ? TranscriptFormat::Markdown
                                : extension == "txt" ? TranscriptFormat::Text : TranscriptFormat::Html;
      auto document = service.transcript_document(id, locale, parse_partner(req.get_param_value("partner")), *tz, format);
      if (!document) return send_problem(res, document.error(), locale);
      res.status = 200;
      if (format != TranscriptFormat::Html)
        res.set_header("Content-Disposition", "attachment; filename=\"tandem-" + id.substr(0, 8) + "." + extension + "\"");
      const char* type = format == TranscriptFormat::Markdown ? "text/markdown; charset=utf-8"
                         : format == TranscriptFormat::Text   ? "text/plain; charset=utf-8"
                                                              : "text/html; charset=utf-8";
      res.set_content(*document, type);
    });
    server.Get("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto tz = time_zone_of(req);
      if (!tz) return send_problem(res, tz.error(), locale);
      std::string query = req.get_param_value("q");
      if (!is_valid_utf8(query)) return send_problem(res, make_error("invalid-utf8", "q is not valid UTF-8"), locale);
      if (!query.empty()) {
        auto cleaned = clean_user_text(query, 200);
        if (!cleaned && cleaned.error().code != "text-empty") {
          Error e = cleaned.error();
          e.args["field"] = std::string("q");
          return send_problem(res, e, locale);
        }
        query = cleaned ? *cleaned : "";
      }
      auto list = service.list_sessions(locale, *tz, query);
      if (!list) return send_problem(res, list.error(), locale);
      send_json(res, 200, *list);
    });
    server.Get("/api/settings", [this](const httplib::Request& req, httplib::Response& res) {
      auto settings = service.settings();
      if (!settings) return send_problem(res, settings.error(), locale_for(req));
      send_json(res, 200, *settings);
    });
    server.Post("/api/settings", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto body = body_of(req);
      if (!body) return send_problem(res, body.error(), locale);
      if (auto key = idempotency_key(req); !key) return send_problem(res, key.error(), locale);
      auto days = body->find("retention_days");
      if (days == body->end() || !(days->is_null() || days->is_number_integer()))
        return send_problem(res, make_error("invalid-field", "retention_days must be a number of days or null", {{"field", "retention_days"}}), locale);
      std::optional<int> value;
      if (days->is_number_integer()) {
        auto n = days->get<std::int64_t>();
        value = static_cast<int>(std::clamp<std::int64_t>(n, 0, 100000));
      }
      auto settings = service.set_retention(value);
      if (!settings) return send_problem(res, settings.error(), locale);
      send_json(res, 200, *settings);
    });
    server.Get("/api/agreement", [this](const httplib::Request& req, httplib::Response& res) {
      std::string locale = locale_for(req);
      auto agreement = service.agreement(locale);
      if (!agreement) return send_problem(res, agreement.error(), locale);
      send_json(res, 200, *agreement);
    });
    // The embedded web UI. Anything else under /api/ is a JSON 404 (via the error handler).
    server.Get(R"(/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::string path = req.matches[1];
      if (path.empty()) path = "index.html";
      auto it = path.starts_with("api/") ? web.end() : web.find(path);
      if (it == web.end()) return send_problem(res, make_error("not-found", "no " + req.path), locale_for(req));
      res.status = 200;
      res.set_content(std::string(it->second), mime_type(path).c_str());
    });
  }

  // The reader's IANA time zone from ?tz=, checked; empty means the machine's own.
  static Result<std::string> time_zone_of(const httplib::Request& req) {
    if (!req.has_param("tz")) return std::string();
    std::string tz = req.get_param_value("tz");
    if (!is_time_zone(tz)) return make_error("invalid-field", "unknown time zone", {{"field", "tz"}});
    return tz;
  }

  // A transcript with a reader's private answers only for that reader's own device.
  Status may_read_transcript(const httplib::Request& req, const std::string& id) {
    auto partner = parse_partner(req.get_param_value("partner"));
    return partner ? may_act_as(req, id, *partner) : Status(Ok{});
  }

  std::string transcript_locale(const httplib::Request& req, const std::string& id) {
    auto partner = parse_partner(req.get_param_value("partner"));
    return locale_for(req, id, partner);
  }

  static Result<NewSession> new_session(const json& body) {
    NewSession request;
    auto flow = body.value("flow", json());
    if (!flow.is_string()) return make_error("invalid-field", "\"flow\" must be a flow id", {{"field", "flow"}});
    request.flow = flow.get<std::string>();
    auto partners = body.value("partners", json());
    if (!partners.is_array() || partners.size() != 2)
      return make_error("invalid-field", "\"partners\" must list two partners", {{"field", "partners"}});
    for (int i = 0; i < 2; ++i) {
      const json& p = partners[i];
      std::string field = "partners/" + std::to_string(i);
      if (!p.is_object() || !p.value("name", json()).is_string())
        return make_error("invalid-field", field + "/name must be text", {{"field", field + "/name"}});
      auto locale = p.value("locale", json(""));
      if (!locale.is_string())
        return make_error("invalid-field", field + "/locale must be text", {{"field", field + "/locale"}});
      request.partners[i] = PartnerInfo{p["name"].get<std::string>(), locale.get<std::string>()};
    }
    return request;
  }

  // A seq in a query string: 1 to 19 digits, nothing else.
  static std::optional<std::uint64_t> parse_seq(const std::string& text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
  }

  static Result<Mutation> mutation_of(const std::string& action, Partner partner, const json& body) {
    Mutation m;
    m.partner = partner;
    // Every turn says which state it answers: a stale one is refused (409) instead of landing
    // on a question its sender never saw.
    auto seq = body.find("seq");
    if (seq == body.end() || !seq->is_number_unsigned())
      return make_error("invalid-field", "\"seq\" must be the seq of the last view seen", {{"field", "seq"}});
    m.seq = seq->get<std::uint64_t>();
    // Optional: the caller holds the thread up to this event, so the answer carries only what follows.
    if (auto after = body.find("after"); after != body.end() && !after->is_null()) {
      if (!after->is_number_unsigned())
        return make_error("invalid-field", "\"after\" must be the seq up to which the caller holds the thread", {{"field", "after"}});
      m.after = after->get<std::uint64_t>();
    }
    // Optional, for a shared device: also answer with the other partner's view if the turn passes to them.
    if (auto next = body.find("next_after"); next != body.end() && !next->is_null()) {
      if (!next->is_number_unsigned())
        return make_error("invalid-field", "\"next_after\" must be the seq up to which the caller holds the other partner's thread",
                          {{"field", "next_after"}});
      m.next_after = next->get<std::uint64_t>();
    }
    if (action == "pause") m.command = Command::Pause;
    else if (action == "resume") m.command = Command::Resume;
    else if (action == "stop") m.command = Command::Stop;
    else {
      m.command = Command::Input;
      auto value = value_from_json(body.value("value", json()));
      if (!value) return make_error("invalid-field", "\"value\" must be text, a whole number or a list of text", {{"field", "value"}});
      m.value = std::move(*value);
    }
    return m;
  }

  void configure() {
    std::vector<std::pair<std::string, std::string>> headers = security_headers();
    server.set_default_headers(httplib::Headers(headers.begin(), headers.end()));
    server.set_tcp_nodelay(true);                // without it every response stalls ~40 ms
    // cpp-httplib 0.11.4 listens with a backlog of 5: a page opening several connections at once,
    // with a second device, can overflow it, and a dropped connect is tried again only after a
    // second. Its socket options hook sees the listening socket before bind; once bound, bind()
    // listens on it again with the system's backlog (Linux takes a new backlog this way).
    server.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listener = sock;
    });
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(5);
    server.set_read_timeout(5, 0);               // slow clients cannot hold a worker for long
    server.set_write_timeout(5, 0);
    server.set_payload_max_length(options.max_body);
    std::size_t threads = options.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      // cpp-httplib 0.11.4 applies a request's byte ranges to whatever is answered, errors included
      // (a many-part Range multiplies the response). Tandem serves no ranges: drop them before any
      // answer is written. The hook only gets a const reference, but the Request it refers to is
      // httplib's own non-const object for this request, so clearing its parsed ranges is sound.
      const_cast<httplib::Request&>(req).ranges.clear();
      // The printed address: exchange its secret for a cookie, and take it out of the address bar.
      if (req.method == "GET" && req.path == "/" && req.has_param("token") &&
          same_secret(req.get_param_value("token"), guard.secret) && !check_request_without_cookie(req)) {
        res.status = 303;
        res.set_header("Location", "/");
        res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + guard.secret + "; HttpOnly; SameSite=Strict; Path=/");
        return httplib::Server::HandlerResponse::Handled;
      }
      // A second device's way in, and the one stylesheet its pages need.
      if (req.method == "GET" && (req.path == "/join" || req.path == "/join.css")) {
        if (auto problem = check_request_without_cookie(req)) {
          send_problem(res, *problem, locale_for(req));
          return httplib::Server::HandlerResponse::Handled;
        }
        if (req.path == "/join") {
          join(req, res);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      }
      Identity who = identity_of(req);
      std::optional<Error> problem = who.device ? check_request_without_cookie(req) : check_request(req, guard);
      if (!problem && who.device && !device_may(req, *who.device))
        problem = make_error("forbidden-device", "a joined device may only take part in its own session");
      if (problem) {
        if (problem->code == "not-signed-in" && !req.path.starts_with("/api/")) send_sign_in_page(req, res);
        else send_problem(res, *problem, locale_for(req));
        return httplib::Server::HandlerResponse::Handled;
      }
      if (watchdog) watchdog->request_started(req.remote_addr, req.remote_port);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every answer written: the connection's budget for its next request starts now.
    server.set_logger([this](const httplib::Request& req, const httplib::Response&) {
      if (watchdog) watchdog->request_finished(req.remote_addr, req.remote_port);
    });
    // Fills in responses httplib produced on its own (404, 413, 400…) so every error is a problem.
    server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string code = res.status == 404 ? "not-found" : res.status == 413 ? "payload-too-large" : "invalid-field";
      if (res.status >= 500) code = "internal";
      int status = res.status;
      send_problem(res, make_error(code, "status " + std::to_string(status)), locale_for(req));
      res.status = status;
      return httplib::Server::HandlerResponse::Handled;
    }));
    // Never leak exception text (0.11.4 would put it in an EXCEPTION_WHAT header).
    server.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
      res.headers.erase("EXCEPTION_WHAT");
      send_problem(res, make_error("internal", "exception in a handler"), locale_for(req));
    });
    routes();
  }
};

HttpServer::HttpServer(SessionService& service, std::map<std::string, std::string_view> web, HttpOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(web), std::move(options))) {
  impl_->guard.secret = impl_->options.secret.empty() ? new_session_id() : impl_->options.secret;
  impl_->guard.csrf = new_session_id();
  impl_->configure();
}

std::string HttpServer::address() const {
  const std::string& host = impl_->options.host;
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(impl_->port) + "/?token=" + impl_->guard.secret;
}

const std::string& HttpServer::secret() const { return impl_->guard.secret; }
const std::string& HttpServer::csrf() const { return impl_->guard.csrf; }

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind() {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(impl_->options.host);
    if (port <= 0) return make_error("internal", "cannot bind " + impl_->options.host + " to any port");
  } else if (!impl_->server.bind_to_port(impl_->options.host, port)) {
    return make_error("internal", "cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                      " (is another program using it?)");
  }
  impl_->port = port;
  if (impl_->listener >= 0 && ::listen(impl_->listener, SOMAXCONN) != 0)
    return make_error("internal", "cannot listen on " + impl_->options.host + ":" + std::to_string(port));
  impl_->watchdog = std::make_unique<ConnectionWatchdog>(port, impl_->options.request_budget, impl_->options.scan_every);
  impl_->guard.hosts = own_hosts(impl_->options.host, port);
  impl_->guard.max_body = impl_->options.max_body;
  return port;
}

void HttpServer::run() { impl_->server.listen_after_bind(); }

void HttpServer::stop() {
  impl_->stopping = true;
  impl_->service.wake_all();  // live streams end instead of holding the pool open
  if (impl_->server.is_running()) impl_->server.stop();
}

bool HttpServer::running() const { return impl_->server.is_running(); }

}  // namespace tandem
