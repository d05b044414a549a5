// tandem: a thin main over the library; everything it does is in src/cli/commands.cc.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tandem::run_command(args, std::cout, std::cerr);
}
