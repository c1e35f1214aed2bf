// Running one whole heyhi process (pp, the test run binary) from a
// benchmark: its output discarded, its CPU time (user + system) kept beside
// the wall time the benchmark measures. The wall time counts waiting for a
// core on a busy machine; the CPU time does not.
#ifndef HEYHI_TESTS_BENCH_WHOLE_PROCESS_H_
#define HEYHI_TESTS_BENCH_WHOLE_PROCESS_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <string>
#include <vector>

extern char** environ;

namespace heyhi_bench {

struct WholeProcess {
  std::vector<std::string> argv;  // argv[0]: the binary's path
  // The environment; empty: this process's.
  std::vector<std::string> env;
  std::string cwd;              // empty: this process's
  bool discard_stderr = false;  // stdout always goes to /dev/null
  // Seconds of CPU the runs took, added up.
  double cpu_seconds = 0;

  // Runs the process once and waits for it; true if it exited 0.
  bool Run() {
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (discard_stderr) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid;
    const bool spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(),
                                     env.empty() ? environ : envp.data()) == 0;
    posix_spawn_file_actions_destroy(&actions);
    if (!spawned) return false;
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                   static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  // The CPU milliseconds per run over `runs` runs.
  double CpuMsPer(int64_t runs) const {
    return runs == 0 ? 0 : cpu_seconds * 1e3 / static_cast<double>(runs);
  }
};

}  // namespace heyhi_bench

#endif  // HEYHI_TESTS_BENCH_WHOLE_PROCESS_H_
