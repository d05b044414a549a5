#include "test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tandem::testing {

Resources& shipped() {
  static const std::unique_ptr<Resources> resources = [] {
    static Sources sources = embedded_sources();
    auto loaded = load_resources(sources);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return std::move(*loaded);
  }();
  return *resources;
}

const LocaleNegotiator& shipped_locales() {
  static const LocaleNegotiator locales(shipped().locales);
  return locales;
}

FlowPtr shipped_flow(const std::string& id) {
  FlowPtr flow = shipped().flows.find(id);
  if (!flow) throw std::runtime_error("no shipped flow " + id);
  return flow;
}

FlowSet shipped_flow_set(const std::string& id) {
  FlowSet set;
  set.root = shipped_flow(id);
  for (const FlowPtr& flow : shipped().flows.all()) set.flows[flow->id] = flow;
  return set;
}

FlowPtr flow_from(const std::string& json_text) {
  FlowLoad load = load_flow(json_text, "test.json");
  if (!load.flow) throw std::runtime_error(load.errors.front().to_string());
  return load.flow;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tandem-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tandem::testing
