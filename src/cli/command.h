// Subcommand registry for the `facetrail` binary.
//
// Each group of subcommands (detect, compare, log, note, eval, serve, ...) lives in its own
// src/cli/<group>_command.cc and registers itself with FACETRAIL_COMMAND. main() dispatches
// on argv[1]. Files here are linked straight into the executable (not a static library), so
// the static registrars always run.
//
// Exit codes every command follows: 0 = ok/valid, 1 = invalid/verification failed (or the
// operation failed on its input), 2 = usage or I/O error.
#ifndef FACETRAIL_CLI_COMMAND_H_
#define FACETRAIL_CLI_COMMAND_H_

#include <functional>
#include <map>
#include <string>

namespace facetrail::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

// argv[0] is the command name itself (e.g. "log"), argv[1..] its arguments.
using CommandFn = std::function<int(int argc, char** argv)>;

struct CommandInfo {
  std::string summary;
  CommandFn run;
};

std::map<std::string, CommandInfo>& CommandRegistry();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn fn) {
    CommandRegistry()[name] = CommandInfo{summary, std::move(fn)};
  }
};

}  // namespace facetrail::cli

#define FACETRAIL_COMMAND_CONCAT_INNER_(a, b) a##b
#define FACETRAIL_COMMAND_CONCAT_(a, b) FACETRAIL_COMMAND_CONCAT_INNER_(a, b)
#define FACETRAIL_COMMAND(name, summary, fn)                                              \
  static ::facetrail::cli::CommandRegistrar FACETRAIL_COMMAND_CONCAT_(ft_cmd_, __LINE__)( \
      name, summary, fn)

#endif  // FACETRAIL_CLI_COMMAND_H_
