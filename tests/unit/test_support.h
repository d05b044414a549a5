// Shared by the tests: the real flows and catalogs, loaded the way `tandem serve` loads them.
#pragma once

#include <memory>
#include <string>

#include "cli/wiring.h"
#include "i18n/locales.h"

namespace tandem::testing {

// The embedded flows and catalogs (what the binary ships), loaded once.
Resources& shipped();
const LocaleNegotiator& shipped_locales();
FlowPtr shipped_flow(const std::string& id);
// A shipped flow with every shipped flow it may call.
FlowSet shipped_flow_set(const std::string& id);

// Parses a flow that the test expects to be valid.
FlowPtr flow_from(const std::string& json_text);

// A fresh temporary directory, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path);

}  // namespace tandem::testing
