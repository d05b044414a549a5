// The `tandem` command line: serve, lint, version, help.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tandem {

// Runs one command; returns the process exit code.
int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tandem
