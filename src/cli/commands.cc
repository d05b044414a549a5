#include "cli/commands.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/wiring.h"
#include "flow/graph.h"
#include "core/clock.h"
#include "core/ids.h"
#include "http/http_server.h"
#include "i18n/locales.h"
#include "store/session_store.h"

namespace tandem {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(Usage: tandem COMMAND [OPTIONS]

A private, local guide for structured conversations between two partners.

Commands:
  serve [--port N] [--data DIR] [--host 127.0.0.1 | --lan ADDR] [--dialogs DIR]
        [--locales DIR] [--pseudo-locales]
        Start Tandem and print the address to open in a browser.
          --port N       port to listen on (default 4747; 0 picks a free one)
          --data DIR     where conversations are kept (default: $XDG_DATA_HOME/tandem,
                         or ~/.local/share/tandem)
          --host ADDR    loopback address to bind (127.0.0.1, ::1 or localhost)
          --lan ADDR     listen on this machine's address ADDR on the local network
                         instead, so a partner's phone can join by pairing code.
                         Traffic on the network is not encrypted: use it only on a
                         network you trust, such as your home Wi-Fi
          --dialogs DIR  use the flows in DIR instead of the built-in ones
          --locales DIR  use the catalogs in DIR instead of the built-in ones
          --pseudo-locales  also offer en-XA (accented, longer) and ar-XB (right to
                         left), made from English, for testing layouts
  lint [PATH...] [--locales DIR] [--format text|json]
        Check flow files (or directories of them) and their catalogs; print every
        problem as file:line:column and exit 1 if there is any. Without PATH, checks
        the built-in flows. --format json prints an array of {file, line, column,
        pointer, message} for editors and CI.
  stamp [LOCALES_DIR | LOCALES_DIR/LOCALE]
        After checking translations against the English, record in each translated
        catalog the English text each message was made from (as "@@x-source-hashes"),
        so lint can say when the English changes later. Give one locale's directory
        (locales/es) to stamp only that language. Default: ./locales
  graph FLOW
        Print a flow as a Graphviz DOT graph (FLOW is a built-in flow's id or a path
        to a flow file); for example: tandem graph repair | dot -Tsvg > repair.svg
  version
        Print the version.
  help, --help
        Print this help.
)";

// "--flag value" options after the command.
struct Options {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
};

std::optional<Options> parse_options(const std::vector<std::string>& args, const std::set<std::string>& known,
                                     std::ostream& err) {
  Options options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.starts_with("--")) {
      if (!known.count(a)) {
        err << "tandem " << args[0] << ": unknown option " << a << "\n";
        return std::nullopt;
      }
      if (i + 1 >= args.size()) {
        err << "tandem " << args[0] << ": " << a << " needs a value\n";
        return std::nullopt;
      }
      options.values[a] = args[++i];
    } else {
      options.positional.push_back(a);
    }
  }
  return options;
}

std::string default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return (fs::path(xdg) / "tandem").string();
  if (const char* home = std::getenv("HOME"); home && *home) return (fs::path(home) / ".local/share/tandem").string();
  return ".tandem";
}

int serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> rest;
  bool pseudo_locales = false;
  for (const std::string& a : args) {
    if (a == "--pseudo-locales") pseudo_locales = true;
    else rest.push_back(a);
  }
  auto options = parse_options(rest, {"--port", "--data", "--host", "--lan", "--dialogs", "--locales"}, err);
  if (!options) return 2;
  HttpOptions http;
  if (auto it = options->values.find("--port"); it != options->values.end()) {
    char* end = nullptr;
    long port = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end || port < 0 || port > 65535) {
      err << "tandem serve: --port must be a number from 0 to 65535\n";
      return 2;
    }
    http.port = static_cast<int>(port);
  }
  if (auto it = options->values.find("--host"); it != options->values.end()) {
    if (it->second != "127.0.0.1" && it->second != "::1" && it->second != "localhost") {
      err << "tandem serve: --host must be a loopback address (127.0.0.1, ::1 or localhost); "
             "Tandem never listens on a network\n";
      return 2;
    }
    http.host = it->second == "localhost" ? "127.0.0.1" : it->second;
  }
  if (auto it = options->values.find("--lan"); it != options->values.end()) {
    if (options->values.count("--host")) {
      err << "tandem serve: choose either --host or --lan\n";
      return 2;
    }
    // One literal address of this machine: the Host and Origin checks need to know the exact
    // name the browsers use, so neither names nor "every interface" are accepted.
    unsigned char buffer[sizeof(in6_addr)];
    const std::string& address = it->second;
    bool literal = inet_pton(AF_INET, address.c_str(), buffer) == 1 || inet_pton(AF_INET6, address.c_str(), buffer) == 1;
    if (!literal || address == "0.0.0.0" || address == "::") {
      err << "tandem serve: --lan needs this machine's own address on the local network, such as 192.168.1.20 "
             "(see `ip -brief address`)\n";
      return 2;
    }
    http.host = address;
    http.lan = true;
  }
  std::string data_dir = options->values.count("--data") ? options->values["--data"] : default_data_dir();

  Sources sources = embedded_sources();
  if (auto ok = read_directories(sources, options->values["--dialogs"], options->values["--locales"]); !ok) {
    err << "tandem serve: " << ok.error().message << "\n";
    return 1;
  }
  auto resources = load_resources(sources, pseudo_locales);
  if (!resources) {
    err << "tandem serve: the flows or catalogs have problems; run `tandem lint` for details:\n"
        << resources.error().message;
    return 1;
  }
  std::string db_path = (fs::path(data_dir) / "tandem.db").string();
  auto store = open_sqlite_store(db_path);
  if (!store) {
    if (store.error().code == "storage-corrupt") {
      err << "tandem serve: " << db_path << " is damaged or is not a Tandem database (" << store.error().message
          << "). Nothing was written to it; it is kept as it is, so it can be recovered. To start afresh, move it "
             "aside or choose another place with --data.\n";
    } else {
      err << "tandem serve: " << store.error().message << "\n";
    }
    return 1;
  }
  warm_up(**resources);
  LocaleNegotiator locales((*resources)->locales);
  SystemClock clock;
  SessionService service((*resources)->flows, (*resources)->catalogs, locales, **store, clock);
  if (auto ok = service.update_search_index(); !ok) {
    err << "tandem serve: could not prepare the search index: " << ok.error().message << "\n";
    return 1;
  }
  HttpServer server(service, sources.web, http);

  // Stop cleanly on Ctrl+C or SIGTERM: the signals are taken by one waiting thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto port = server.bind();
  if (!port) {
    err << "tandem serve: " << port.error().message << "\n";
    return 1;
  }
  if (http.lan)
    out << "LAN mode: devices on this network can reach Tandem at " << http.host << ". Only someone with the address\n"
        << "below or a pairing code can get in, but traffic on the network is not encrypted: use it only on a\n"
        << "network you trust.\n";
  out << "Tandem is running. Open " << server.address() << " in your browser.\n"
      << "Conversations are kept in " << data_dir << "\n"
      << "Press Ctrl+C to stop." << std::endl;

  std::thread waiter([&server, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  // The retention period, if the couple set one: old conversations go at start and every hour.
  std::mutex purge_mutex;
  std::condition_variable purge_wake;
  bool stopping = false;
  std::thread purger([&] {
    std::unique_lock lock(purge_mutex);
    while (!stopping) {
      lock.unlock();
      if (auto purged = service.purge_expired(); !purged)
        err << "tandem serve: could not delete conversations past the retention period: " << purged.error().message << std::endl;
      lock.lock();
      purge_wake.wait_for(lock, std::chrono::hours(1), [&] { return stopping; });
    }
  });
  server.run();
  // If run() returned for another reason, wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  {
    std::lock_guard lock(purge_mutex);
    stopping = true;
  }
  purge_wake.notify_all();
  purger.join();
  out << "Tandem stopped." << std::endl;
  return 0;
}

int lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto options = parse_options(args, {"--locales", "--format"}, err);
  if (!options) return 2;
  std::string format = options->values.count("--format") ? options->values["--format"] : "text";
  if (format != "text" && format != "json") {
    err << "tandem lint: --format must be text or json\n";
    return 2;
  }
  Sources sources = embedded_sources();
  std::string locales_dir = options->values["--locales"];
  // In a checkout (dialogs/ and locales/ here), lint what is on disk, not what was built in.
  if (options->positional.empty() && locales_dir.empty() && fs::is_directory("dialogs") && fs::is_directory("locales")) {
    options->positional.push_back("dialogs");
  }
  if (!options->positional.empty()) {
    sources.flows.clear();
    for (const std::string& path : options->positional) {
      if (auto ok = read_flows(sources, path); !ok) {
        err << "tandem lint: " << ok.error().message << "\n";
        return 2;
      }
      // A dialogs/ directory beside a locales/ directory is checked against those catalogs.
      fs::path beside = fs::path(path).parent_path() / "locales";
      if (fs::is_directory(path)) beside = fs::path(path).lexically_normal().parent_path() / "locales";
      if (locales_dir.empty() && fs::is_directory(beside)) locales_dir = beside.string();
    }
  }
  if (auto ok = read_directories(sources, "", locales_dir); !ok) {
    err << "tandem lint: " << ok.error().message << "\n";
    return 2;
  }
  auto problems = check_sources(sources);
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const Diagnostic& d : problems)
      list.push_back({{"file", d.path}, {"line", d.line}, {"column", d.column}, {"pointer", d.pointer}, {"message", d.message}});
    out << list.dump(2) << "\n";
    return problems.empty() ? 0 : 1;
  }
  for (const Diagnostic& d : problems) out << d.to_string() << (d.pointer.empty() ? "" : " [" + d.pointer + "]") << "\n";
  if (problems.empty()) {
    out << "No problems in " << sources.flows.size() << (sources.flows.size() == 1 ? " flow" : " flows") << " and "
        << sources.catalogs.size() << " catalogs.\n";
    return 0;
  }
  err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " found.\n";
  return 1;
}

// Records, in every translated catalog, a hash of the English text of each message it has.
int stamp(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() > 2) {
    err << "tandem stamp: give at most one directory, for example: tandem stamp locales\n";
    return 2;
  }
  fs::path root = args.size() == 2 ? fs::path(args[1]) : fs::path("locales");
  std::string only;  // one locale, when a locale's own directory was given
  if (!fs::is_directory(root / "en") && fs::is_directory(root.lexically_normal().parent_path() / "en")) {
    only = root.lexically_normal().filename().string();
    root = root.lexically_normal().parent_path();
  }
  if (!fs::is_directory(root / "en")) {
    err << "tandem stamp: " << root.string() << " has no en/ directory with the English catalogs\n";
    return 2;
  }
  auto read_json = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return nlohmann::ordered_json::parse(text.str(), nullptr, false);
  };
  int files = 0;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory() || dir.path().filename() == "en") continue;
    if (!only.empty() && dir.path().filename() != only) continue;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
      fs::path english_path = root / "en" / entry.path().filename();
      // Feelings vocabularies are written per language, not translated: nothing to stamp.
      if (entry.path().extension() != ".arb" || !fs::exists(english_path) || entry.path().stem() == "feelings") continue;
      auto english = read_json(english_path);
      auto translated = read_json(entry.path());
      if (english.is_discarded() || translated.is_discarded() || !translated.is_object()) {
        err << "tandem stamp: " << entry.path().string() << " or its English source is not valid JSON\n";
        return 1;
      }
      nlohmann::ordered_json hashes = nlohmann::ordered_json::object();
      for (const auto& [key, value] : translated.items()) {
        if (key.starts_with("@") || !english.contains(key) || !english[key].is_string()) continue;
        hashes[key] = content_hash(english[key].get<std::string>());
      }
      nlohmann::ordered_json stamped = nlohmann::ordered_json::object();
      for (const auto& [key, value] : translated.items()) {
        if (key == "@@x-source-hashes") continue;
        stamped[key] = value;
        if (key == "@@locale") stamped["@@x-source-hashes"] = hashes;
      }
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << stamped.dump(2) << "\n";
      ++files;
    }
  }
  out << "Stamped " << files << " translated catalogs in " << (only.empty() ? root : root / only).string() << ".\n";
  return 0;
}

int graph(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2) {
    err << "tandem graph: give one flow id or flow file, for example: tandem graph repair\n";
    return 2;
  }
  Sources sources = embedded_sources();
  const std::string& wanted = args[1];
  if (wanted.ends_with(".json")) {
    sources.flows.clear();
    if (auto ok = read_flows(sources, wanted); !ok) {
      err << "tandem graph: " << ok.error().message << "\n";
      return 1;
    }
  }
  for (const SourceFile& file : sources.flows) {
    FlowLoad load = load_flow(file.text, file.path);
    bool match = wanted.ends_with(".json") || (load.flow && load.flow->id == wanted);
    if (!match) continue;
    if (!load.flow) {
      for (const auto& d : load.errors) err << d.to_string() << "\n";
      return 1;
    }
    out << to_dot(*load.flow);
    return 0;
  }
  err << "tandem graph: there is no flow \"" << wanted << "\"\n";
  return 1;
}

}  // namespace

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    out << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    out << "tandem " << TANDEM_VERSION << "\n";
    return 0;
  }
  if (args[0] == "serve") return serve(args, out, err);
  if (args[0] == "lint") return lint(args, out, err);
  if (args[0] == "graph") return graph(args, out, err);
  if (args[0] == "stamp") return stamp(args, out, err);
  err << "tandem: unknown command \"" << args[0] << "\"\n\n" << kUsage;
  return 2;
}

}  // namespace tandem
