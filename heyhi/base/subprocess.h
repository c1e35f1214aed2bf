// Child processes, started from an argv and never through a shell: run one to
// the end and collect what it printed, or start one that writes to a log.
#ifndef HEYHI_BASE_SUBPROCESS_H_
#define HEYHI_BASE_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace heyhi {

// What a finished program left behind.
struct ProgramResult {
  int exit_code = 0;  // 128 + N when killed by signal N
  std::string out;
  std::string err;
};

struct ProgramOptions {
  // The child's working directory; "" keeps the caller's.
  std::string working_dir;
  // "NAME=VALUE" entries set in the child on top of the caller's environment.
  std::vector<std::string> env;
  // RunProgram: the child is killed after this long; zero waits for ever.
  std::chrono::milliseconds timeout{0};
  // StartProgram: stdout and stderr are appended to this file ("" : /dev/null).
  std::string log_file;
  // StartProgram: the child is killed when the caller dies.
  bool die_with_parent = false;
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null, collects stdout
// and stderr and waits for it. Fails with NotFound, naming the command, when
// the program cannot be started, and DeadlineExceeded on timeout (the child
// is killed); a non-zero exit is not a failure here.
absl::StatusOr<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                         const ProgramOptions& options = {});

// RunProgram with only a timeout.
absl::StatusOr<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout);

// RunProgram for a program that must succeed: its stdout, or an error naming
// the command, its exit status and its stderr.
absl::StatusOr<std::string> ProgramOutput(const std::vector<std::string>& argv,
                                          const ProgramOptions& options = {});

// Starts argv[0] without waiting for it; returns its pid, to be reaped by the
// caller. Fails, naming the command, when it cannot be started.
absl::StatusOr<pid_t> StartProgram(const std::vector<std::string>& argv,
                                   const ProgramOptions& options);

// The command as shown in messages: the words joined by spaces.
std::string CommandText(const std::vector<std::string>& argv);

// This machine's host name ("localhost" if it has none).
std::string HostName();

// Whether process `pid` of this machine is alive (a zombie is not).
bool ProcessAlive(pid_t pid);

}  // namespace heyhi

#endif  // HEYHI_BASE_SUBPROCESS_H_
