#include "test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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

SessionDriver::SessionDriver(FlowSet flows, bool round_trip, Event start)
    : flows_(std::move(flows)), round_trip_(round_trip) {
  send_ok(start);
}

Result<Outcome> SessionDriver::send(const Event& event) {
  auto out = apply(flows_, state_, event);
  if (!out) return out;
  log_.push_back(event);
  state_ = out->state;
  for (const auto& entry : out->entries) entries_.push_back(entry);
  if (out->agreement) agreement_ = out->agreement;
  if (round_trip_) state_ = state_from_json(nlohmann::json::parse(state_to_json(state_).dump()));
  return out;
}

void SessionDriver::send_ok(const Event& event) {
  auto out = send(event);
  INFO((out ? "" : out.error().code + ": " + out.error().message));
  REQUIRE(out.ok());
}

std::string SessionDriver::refused(const Event& event) {
  auto out = send(event);
  return out ? "accepted" : out.error().code;
}

std::string SessionDriver::asked() const {
  std::string out;
  for (const auto& a : awaiting()) out += to_string(a.partner);
  return out;
}

const Entry& SessionDriver::last_input() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->kind == EntryKind::Input) return *it;
  FAIL("no input yet");
  return entries_.front();
}

std::string SessionDriver::last_key(std::size_t back) const {
  return entries_.at(entries_.size() - 1 - back).message->key;
}

bool SessionDriver::said(const std::string& message_id) const {
  for (const Entry& e : entries_)
    if (e.message && e.message->id() == message_id) return true;
  return false;
}

void SessionDriver::check_replay() const {
  auto replayed = replay(flows_, log_);
  REQUIRE(replayed.ok());
  CHECK(replayed->state == state_);
  REQUIRE(replayed->entries.size() == entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    CHECK(replayed->entries[i].message == entries_[i].message);
    CHECK(replayed->entries[i].seq == entries_[i].seq);
  }
}

Mutation typed(Partner partner, const std::string& text, const std::string& idempotency_key) {
  Mutation m;
  m.partner = partner;
  m.value = text;
  m.idempotency_key = idempotency_key;
  return m;
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
