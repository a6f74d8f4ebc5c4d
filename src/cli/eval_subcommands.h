// Subcommands of `facetrail eval` that live outside eval_command.cc.
//
// eval_command.cc owns the "eval" group (FACETRAIL_COMMAND registers whole groups) and
// dispatches `facetrail eval pad ...` and `facetrail eval disclose ...` to these functions,
// implemented in src/cli/eval_report_command.cc. argv[0] is the subcommand name ("pad",
// "disclose"); the return value is the process exit code (0 ok, 1 invalid, 2 usage/I/O).
//
// They are declared weak so the binary links before that file exists; eval_command.cc
// then reports the subcommand as not built. A normal (strong) definition overrides.
#ifndef FACETRAIL_CLI_EVAL_SUBCOMMANDS_H_
#define FACETRAIL_CLI_EVAL_SUBCOMMANDS_H_

namespace facetrail::cli {

[[gnu::weak]] int RunEvalPad(int argc, char** argv);
[[gnu::weak]] int RunEvalDisclose(int argc, char** argv);

}  // namespace facetrail::cli

#endif  // FACETRAIL_CLI_EVAL_SUBCOMMANDS_H_
