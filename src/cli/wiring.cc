#include "cli/wiring.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/session_service.h"
#include "assets/embedded.h"
#include "core/ids.h"
#include "i18n/message_check.h"
#include "engine/engine.h"
#include "flow/json_positions.h"

namespace tandem {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) { return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix; }

// dialogs/*.json, except the JSON Schema that editors use to check them.
bool is_flow_file(const std::string& path) {
  return path.starts_with("dialogs/") && ends_with(path, ".json") && !ends_with(path, ".schema.json");
}

// "locales/es/feel-prefer-try.arb" → "feel-prefer-try"
std::string catalog_name(const std::string& path) { return fs::path(path).stem().string(); }

Result<std::string_view> read_file(Sources& sources, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("internal", "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  sources.owned.push_back(std::make_unique<std::string>(text.str()));
  return std::string_view(*sources.owned.back());
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == extension) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string join_names(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "{" : ", {") + n + "}";
  return out.empty() ? "no placeholders" : out;
}

}  // namespace

Sources embedded_sources() {
  Sources sources;
  for (const EmbeddedFile& file : embedded_files()) {
    std::string path(file.path);
    if (path.starts_with("web/")) sources.web[path.substr(4)] = file.text();
    else if (is_flow_file(path)) sources.flows.push_back({path, file.text()});
    else if (path.starts_with("locales/") && ends_with(path, ".arb")) sources.catalogs.push_back({path, file.text()});
  }
  return sources;
}

Status read_flows(Sources& sources, const std::string& path) {
  std::vector<fs::path> files = fs::is_directory(path) ? files_in(path, ".json") : std::vector<fs::path>{path};
  std::erase_if(files, [](const fs::path& f) { return f.string().ends_with(".schema.json"); });
  if (files.empty()) return make_error("internal", path + ": no flow files (*.json) found");
  for (const auto& file : files) {
    auto text = read_file(sources, file);
    if (!text) return text.error();
    sources.flows.push_back({file.string(), *text});
  }
  return Ok{};
}

Status read_directories(Sources& sources, const std::string& dialogs_dir, const std::string& locales_dir) {
  if (!dialogs_dir.empty()) {
    sources.flows.clear();
    if (auto ok = read_flows(sources, dialogs_dir); !ok) return ok;
  }
  if (!locales_dir.empty()) {
    sources.catalogs.clear();
    auto files = files_in(locales_dir, ".arb");
    if (files.empty()) return make_error("internal", locales_dir + ": no catalogs (*.arb) found");
    for (const auto& file : files) {
      auto text = read_file(sources, file);
      if (!text) return text.error();
      sources.catalogs.push_back({file.string(), *text});
    }
  }
  return Ok{};
}

std::vector<Diagnostic> check_sources(const Sources& sources) {
  std::vector<Diagnostic> out;
  Catalogs catalogs;
  std::map<std::string, const SourceFile*> catalog_files;  // "locale/name" → file
  std::set<std::string> locales;
  // File-level problems (not JSON, no @@locale) are reported here; a message that does not parse
  // is reported at its own key below, and the rest of its file still loads.
  for (const SourceFile& file : sources.catalogs) {
    std::string directory_locale = fs::path(file.path).parent_path().filename().string();
    if (auto ok = catalogs.add_arb(file.text, catalog_name(file.path), file.path, directory_locale); !ok) {
      std::string message = ok.error().message;
      if (message.starts_with(file.path + ": ")) message = message.substr(file.path.size() + 2);
      out.push_back({file.path, 1, 1, "", message});
    }
  }
  for (const std::string& locale : catalogs.locales()) locales.insert(locale);
  for (const SourceFile& file : sources.catalogs) {
    // The file's own locale, from its directory (locales/<locale>/<name>.arb).
    std::string locale = fs::path(file.path).parent_path().filename().string();
    catalog_files[locale + "/" + catalog_name(file.path)] = &file;
  }

  // Every message: it parses, keeps its placeholders plain, gives each plural category the
  // language needs; a translation uses English's arguments, of the same kinds, and was made from
  // the English text as it is now (its source hash).
  for (const SourceFile& file : sources.catalogs) {
    std::string locale = fs::path(file.path).parent_path().filename().string();
    std::string name = catalog_name(file.path);
    nlohmann::json doc = nlohmann::json::parse(file.text, nullptr, false);
    if (!doc.is_object()) continue;  // reported above, when the catalog was added
    const auto* english = catalogs.messages("en", name);
    bool translated = locale != "en" && english && name != kFeelingsCatalog;
    nlohmann::json hashes = doc.value("@@x-source-hashes", nlohmann::json::object());
    nlohmann::json english_doc = nlohmann::json::object();
    if (auto en_file = catalog_files.find("en/" + name); en_file != catalog_files.end())
      english_doc = nlohmann::json::parse(en_file->second->text, nullptr, false);
    JsonPositions positions(file.text);
    auto report = [&](const std::string& key, const std::string& message) {
      TextPosition at = positions.at("/" + pointer_token(key));
      out.push_back({file.path, at.line, at.column, "/" + pointer_token(key), "message \"" + key + "\" " + message});
    };
    if (doc.value("@@locale", "") != locale) {
      TextPosition at = positions.at("/@@locale");
      out.push_back({file.path, at.line, at.column, "/@@locale",
                     "\"@@locale\" is \"" + doc.value("@@locale", "") + "\" but the file is in locales/" + locale + "/"});
    }
    for (const auto& [key, value] : doc.items()) {
      if (key.starts_with("@") || !value.is_string()) continue;
      const std::string& pattern = value.get_ref<const std::string&>();
      auto source = english ? english->find(key) : decltype(english->end()){};
      bool has_source = translated && source != english->end();
      for (const std::string& problem : check_message(locale, pattern, has_source ? source->second : ""))
        report(key, problem.starts_with("is ") ? problem : "has a problem: " + problem);
      if (locale == "en" && key.starts_with("ui.")) {
        // The browser fills ui.* strings itself, so they can only hold plain {name} arguments.
        for (const auto& [argument, use] : describe_arguments(pattern))
          if (use.kind != "simple") report(key, "is shown by the browser, which only fills plain arguments; {" + argument + "} is " + use.kind);
      }
      if (translated && source == english->end()) {
        report(key, "is not in the English catalog; remove it");
        continue;
      }
      if (!has_source) continue;
      // A translation uses every argument English uses, and may use others the English declares
      // for it (a name English leaves out may be natural in another language).
      auto want = Catalogs::argument_names(source->second);
      auto have = Catalogs::argument_names(pattern);
      std::set<std::string> allowed = want;
      nlohmann::json meta = english_doc.is_object() ? english_doc.value("@" + key, nlohmann::json::object()) : nlohmann::json::object();
      if (meta.is_object() && meta.contains("placeholders") && meta["placeholders"].is_object())
        for (const auto& [placeholder, info] : meta["placeholders"].items()) allowed.insert(placeholder);
      bool covers = std::includes(have.begin(), have.end(), want.begin(), want.end());
      bool within = std::includes(allowed.begin(), allowed.end(), have.begin(), have.end());
      if (!covers || !within) report(key, "uses " + join_names(have) + " but English uses " + join_names(want));
      auto recorded = hashes.find(key);
      if (recorded == hashes.end() || !recorded->is_string())
        report(key, "has no source hash; once it is checked against the English, run `tandem stamp`");
      else if (recorded->get<std::string>() != content_hash(source->second))
        report(key, "is stale: the English changed after it was translated (\"" + source->second + "\")");
    }
    if (locale == "en") {
      // Declared placeholders are the translators' promise: English must declare what it uses.
      for (const auto& [key, value] : doc.items()) {
        if (key.starts_with("@") || !value.is_string()) continue;
        const std::string& pattern = value.get_ref<const std::string&>();
        auto meta = doc.find("@" + key);
        if (meta == doc.end() || !meta->is_object() || !meta->contains("placeholders")) continue;
        std::set<std::string> declared;
        for (const auto& [placeholder, info] : (*meta)["placeholders"].items()) declared.insert(placeholder);
        auto used = Catalogs::argument_names(pattern);
        std::set<std::string> missing;
        for (const auto& u : used)
          if (!declared.count(u)) missing.insert(u);
        if (!missing.empty()) report(key, "uses " + join_names(missing) + " without declaring it in \"@" + key + "\"");
      }
    }
  }
  if (const auto* ui = catalogs.messages("en", kUiCatalog)) {
    for (const std::string& locale : locales) {
      auto file = catalog_files.find(locale + "/" + kUiCatalog);
      std::string path = file == catalog_files.end() ? "locales/" + locale + "/ui.arb" : file->second->path;
      for (const auto& [key, pattern] : *ui) {
        if (!catalogs.pattern(locale, kUiCatalog, key))
          out.push_back({path, 1, 1, "", "locale \"" + locale + "\" has no message \"" + key + "\""});
      }
    }
  }

  for (const SourceFile& file : sources.flows) {
    FlowLoad load = load_flow(file.text, file.path);
    out.insert(out.end(), load.errors.begin(), load.errors.end());
    if (!load.flow) continue;
    const Flow& flow = *load.flow;
    // Where each key is first used, so a missing message points at its step.
    std::map<std::string, const Step*> used_at;
    for (const Step& step : flow.steps) {
      Flow single;
      single.steps.push_back(step);
      for (const auto& key : single.message_keys()) used_at.emplace(key, &step);
    }
    for (const std::string& locale : locales) {
      for (const std::string& key : missing_keys(flow, catalogs, locale)) {
        auto it = used_at.find(key);
        int line = it == used_at.end() ? 1 : it->second->line;
        int column = it == used_at.end() ? 1 : it->second->column;
        std::string where = it == used_at.end() ? "" : "step \"" + it->second->id + "\": ";
        out.push_back({file.path, line, column, it == used_at.end() ? "" : it->second->pointer,
                       where + "message \"" + key + "\" is missing in locale \"" + locale + "\""});
      }
    }
  }
  return out;
}

void warm_up(const Resources& resources) {
  for (const std::string& locale : resources.locales) {
    resources.catalogs.render(locale, kUiCatalog, "ui.locale_name", {});
    resources.catalogs.render(locale, kUiCatalog, "error.text-too-long", {{"max", std::int64_t{2000}}});
    resources.catalogs.render_list(locale, kUiCatalog, {"answer.yes", "answer.maybe"});
  }
}

Result<std::unique_ptr<Resources>> load_resources(const Sources& sources, bool pseudo_locales) {
  auto resources = std::make_unique<Resources>();
  std::string problems;
  for (const SourceFile& file : sources.catalogs) {
    if (auto ok = resources->catalogs.add_arb(file.text, catalog_name(file.path), file.path); !ok)
      problems += ok.error().message + "\n";
  }
  for (const std::string& problem : resources->catalogs.problems()) problems += problem + "\n";
  for (const SourceFile& file : sources.flows) {
    FlowLoad load = load_flow(file.text, file.path);
    for (const auto& d : load.errors) problems += d.to_string() + "\n";
    if (!load.flow) continue;
    for (const std::string& key : missing_keys(*load.flow, resources->catalogs, "en"))
      problems += file.path + ": message \"" + key + "\" is missing in English, so it could never be shown\n";
    resources->flows.add(load.flow);
  }
  if (!problems.empty()) return make_error("internal", problems);
  if (pseudo_locales) resources->catalogs.add_pseudo_locales();
  for (const std::string& locale : resources->catalogs.locales()) {
    if (resources->catalogs.messages(locale, kUiCatalog)) resources->locales.push_back(locale);
  }
  auto en = std::find(resources->locales.begin(), resources->locales.end(), "en");
  if (en == resources->locales.end()) return make_error("internal", "there is no English UI catalog (locales/en/ui.arb)");
  std::rotate(resources->locales.begin(), en, en + 1);
  return resources;
}

}  // namespace tandem
