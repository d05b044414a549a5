// The flows a server offers, by id, plus every version a stored session pinned, by content hash.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "flow/flow.h"
#include "flow/flow_loader.h"
#include "i18n/catalog.h"

namespace tandem {

class FlowLibrary {
 public:
  // Adds the current version of a flow (replacing one with the same id).
  void add(FlowPtr flow);
  FlowPtr find(const std::string& id) const;
  // Current flows, ordered by id.
  std::vector<FlowPtr> all() const;

  // The flow with this content: the current one if it matches, else parsed from `source` (the
  // pinned copy kept with a session) and cached.
  Result<FlowPtr> pinned(const std::string& hash, const std::string& source);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, FlowPtr> current_;
  std::map<std::string, FlowPtr> by_hash_;
};

// Message keys of `flow` that `locale` lacks in the flow's catalog (no fallback).
std::vector<std::string> missing_keys(const Flow& flow, const Catalogs& catalogs, const std::string& locale);

}  // namespace tandem
