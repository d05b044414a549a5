// Loads what a server needs — flows, catalogs, web assets — from the binary's embedded copies or
// from directories given on the command line, and checks it before anything is served.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/flow_library.h"
#include "core/result.h"
#include "flow/flow_loader.h"
#include "i18n/catalog.h"

namespace tandem {

// A text file by its path (relative to the repository root, or as given on disk).
struct SourceFile {
  std::string path;
  std::string_view text;
};

struct Sources {
  std::vector<SourceFile> flows;     // dialogs/*.json
  std::vector<SourceFile> catalogs;  // locales/<locale>/<name>.arb
  std::map<std::string, std::string_view> web;  // path under web/ → content
  std::vector<std::unique_ptr<std::string>> owned;  // contents read from disk
};

// The copies embedded at build time.
Sources embedded_sources();
// Replaces flows and/or catalogs with the files found in these directories (empty: keep).
Status read_directories(Sources& sources, const std::string& dialogs_dir, const std::string& locales_dir);
// Reads one flow file or every *.json in a directory into sources.flows.
Status read_flows(Sources& sources, const std::string& path);

struct Resources {
  Catalogs catalogs;
  FlowLibrary flows;
  std::vector<std::string> locales;  // locales with a UI catalog, English first
};

// Every problem that would make a flow or catalog unusable, or that a therapist should fix:
// flow errors, catalog errors, message keys missing in any locale, and placeholders that differ
// from English. Messages are "path:line:col: …".
std::vector<Diagnostic> check_sources(const Sources& sources);

// Loads everything; fails only when a flow cannot run (its errors, or keys missing in English).
// With `pseudo_locales`, en-XA and ar-XB are offered too (for testing layouts).
Result<std::unique_ptr<Resources>> load_resources(const Sources& sources, bool pseudo_locales = false);

// Loads the ICU data every locale needs (plural rules, number and list formats) once, at start-up,
// so the first couple to use a language does not wait for it.
void warm_up(const Resources& resources);

}  // namespace tandem
