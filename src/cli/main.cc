// facetrail: accountable face verification. Dispatches to the registered subcommand.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace facetrail::cli {

std::map<std::string, CommandInfo>& CommandRegistry() {
  static auto* registry = new std::map<std::string, CommandInfo>();
  return *registry;
}

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: facetrail <command> [args...]\n\ncommands:\n");
  for (const auto& [name, info] : CommandRegistry()) {
    std::fprintf(out, "  %-10s %s\n", name.c_str(), info.summary.c_str());
  }
  std::fprintf(out, "\nRun 'facetrail <command> --help' for a command's options.\n");
}

}  // namespace
}  // namespace facetrail::cli

int main(int argc, char** argv) {
  using namespace facetrail::cli;
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  auto it = CommandRegistry().find(name);
  if (it == CommandRegistry().end()) {
    std::fprintf(stderr, "facetrail: unknown command '%s'\n\n", name.c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  return it->second.run(argc - 1, argv + 1);
}
