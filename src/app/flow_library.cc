#include "app/flow_library.h"

namespace tandem {

void FlowLibrary::add(FlowPtr flow) {
  std::lock_guard lock(mutex_);
  by_hash_[flow->hash] = flow;
  current_[flow->id] = std::move(flow);
}

FlowPtr FlowLibrary::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = current_.find(id);
  return it == current_.end() ? nullptr : it->second;
}

std::vector<FlowPtr> FlowLibrary::all() const {
  std::lock_guard lock(mutex_);
  std::vector<FlowPtr> out;
  for (const auto& [id, flow] : current_) out.push_back(flow);
  return out;
}

Result<FlowPtr> FlowLibrary::pinned(const std::string& hash, const std::string& source) {
  {
    std::lock_guard lock(mutex_);
    auto it = by_hash_.find(hash);
    if (it != by_hash_.end()) return it->second;
  }
  FlowLoad load = load_flow(source, "pinned flow " + hash);
  if (!load.flow) return make_error("internal", "the pinned flow " + hash + " no longer loads: " + load.errors.front().to_string());
  std::lock_guard lock(mutex_);
  return by_hash_.emplace(hash, load.flow).first->second;
}

std::vector<std::string> missing_keys(const Flow& flow, const Catalogs& catalogs, const std::string& locale) {
  std::vector<std::string> missing;
  for (const std::string& key : flow.message_keys()) {
    if (!catalogs.pattern(locale, flow.id, key)) missing.push_back(key);
  }
  return missing;
}

}  // namespace tandem
