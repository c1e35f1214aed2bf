// Helpers of the bad-input catalogue (tests/BAD_INPUTS.md): start `run` or
// `pp` on a bad input in a sandbox, with its own environment and limits, and
// check that it was refused with a located message and that the sandbox is
// exactly as it was before.
#ifndef HEYHI_TESTS_BAD_INPUTS_HELPERS_H_
#define HEYHI_TESTS_BAD_INPUTS_HELPERS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "run_test_helpers.h"
#include "temp_tree.h"

namespace heyhi_test {

inline std::string PpBinaryPath() { return std::string(HEYHI_BINARY_DIR) + "/pp"; }
inline std::string SourceFile(const std::string& relative) { return SourceDir() + "/" + relative; }
inline const std::string& SleepConfig() {
  static const std::string* const path =
      new std::string(SourceFile("conf/c90_test/sleep.prototxt"));
  return *path;
}

// One start of a binary.
struct Launch {
  std::vector<std::string> args;
  std::vector<std::string> env;    // NAME=VALUE, set in the child on top of the sandbox's
  std::vector<std::string> unset;  // names unset in the child
  // RLIMIT_FSIZE of the child, with SIGXFSZ ignored: a write past it fails
  // with EFBIG, as on a full disk.
  rlim_t max_file_bytes = RLIM_INFINITY;
  std::string cwd;     // "": the sandbox's work folder
  std::string binary;  // "": the test `run` binary
};

inline Launch Args(std::vector<std::string> args) {
  Launch launch;
  launch.args = std::move(args);
  return launch;
}

struct Outcome {
  int exit_code = -1;  // -1: ended by a signal
  int signal = 0;      // the signal that ended it
  std::string out;
  std::string err;
};

struct Started {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
};

inline Outcome WaitFor(const Started& started) {
  Outcome outcome;
  int status = 0;
  EXPECT_EQ(waitpid(started.pid, &status, 0), started.pid);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  outcome.out = ReadAll(started.out_path);
  outcome.err = ReadAll(started.err_path);
  return outcome;
}

// Everything under `root` but `skip`: relative path -> "<dir>", "-> target"
// for a link, or the file's content.
inline std::map<std::string, std::string> TreeState(const std::string& root,
                                                    const std::string& skip = "") {
  std::map<std::string, std::string> state;
  std::error_code error;
  if (!std::filesystem::exists(root, error)) return state;
  for (auto it = std::filesystem::recursive_directory_iterator(root);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    const std::string path = it->path().string();
    if (!skip.empty() && path == skip) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string relative = path.substr(root.size() + 1);
    if (it->is_symlink()) {
      state[relative] = "-> " + std::filesystem::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      state[relative] = "<dir>";
    } else if (it->is_regular_file()) {
      state[relative] = ReadAll(path);
    } else {
      state[relative] = "<special>";
    }
  }
  return state;
}

// Files named like heyhi's temporary files (`<name>.tmp.<pid>[.<n>]`) under `root`.
inline std::vector<std::string> TempFilesUnder(const std::string& root) {
  std::vector<std::string> found;
  for (const auto& [path, content] : TreeState(root)) {
    if (path.find(".tmp.") != std::string::npos) found.push_back(path);
  }
  return found;
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A temporary tree: `exp/` the exp root (empty), `work/` the folder the
// binaries start in (no git checkout), `home/` their HOME, anything else
// written by the test. Outputs go to a scratch folder outside it.
class Sandbox {
 public:
  Sandbox() {
    std::filesystem::create_directories(exp_root);
    std::filesystem::create_directories(work);
    std::filesystem::create_directories(home);
  }

  std::string Path(const std::string& relative) const { return tree.Path(relative); }
  std::string Write(const std::string& relative, const std::string& content) const {
    return tree.Write(relative, content);
  }

  Started Start(const Launch& launch) const {
    static int counter = 0;
    Started started;
    started.out_path = scratch.Path("out_" + std::to_string(++counter));
    started.err_path = started.out_path + ".err";
    std::vector<std::string> argv_strings = {launch.binary.empty() ? RunBinaryPath()
                                                                   : launch.binary};
    argv_strings.insert(argv_strings.end(), launch.args.begin(), launch.args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = {"HH_EXP_DIR=" + exp_root, "HOME=" + home,
                                    "XDG_CACHE_HOME=" + scratch.Path("cache")};
    env.insert(env.end(), launch.env.begin(), launch.env.end());
    const std::string cwd = launch.cwd.empty() ? work : launch.cwd;
    started.pid = fork();
    if (started.pid == 0) {
      for (const char* name : {"HH_CONF_ROOT", "HH_TEST_KILL_AT", "HH_NO_CACHE"}) unsetenv(name);
      for (const std::string& entry : env) {
        const size_t eq = entry.find('=');
        setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
      }
      for (const std::string& name : launch.unset) unsetenv(name.c_str());
      const int out = open(started.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(started.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || err < 0 || chdir(cwd.c_str()) != 0) _exit(126);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      if (launch.max_file_bytes != RLIM_INFINITY) {
        signal(SIGXFSZ, SIG_IGN);  // stays ignored across execv
        const struct rlimit limit = {launch.max_file_bytes, launch.max_file_bytes};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(125);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
    EXPECT_GT(started.pid, 0);
    return started;
  }

  Outcome Run(const Launch& launch) const { return WaitFor(Start(launch)); }
  Outcome Run(const std::vector<std::string>& args) const { return Run(Args(args)); }
  Outcome Pp(const std::vector<std::string>& args) const {
    Launch launch = Args(args);
    launch.binary = PpBinaryPath();
    return Run(launch);
  }

  // Runs `launch` and expects it refused: exit code `code`, each of `parts`
  // in its stderr, and the sandbox (exp root included) exactly as before.
  Outcome ExpectRefused(const Launch& launch, int code, const std::vector<std::string>& parts) {
    const std::map<std::string, std::string> before = TreeState(tree.root());
    const Outcome outcome = Run(launch);
    EXPECT_EQ(outcome.exit_code, code) << outcome.out << outcome.err;
    for (const std::string& part : parts) {
      EXPECT_TRUE(Contains(outcome.err, part))
          << "missing: " << part << "\nstderr: " << outcome.err;
    }
    ExpectUnchanged(before);
    return outcome;
  }
  Outcome ExpectRefused(const std::vector<std::string>& args, int code,
                        const std::vector<std::string>& parts) {
    return ExpectRefused(Args(args), code, parts);
  }
  Outcome ExpectPpRefused(const std::vector<std::string>& args, int code,
                          const std::vector<std::string>& parts) {
    Launch launch = Args(args);
    launch.binary = PpBinaryPath();
    return ExpectRefused(launch, code, parts);
  }

  // Nothing created, nothing deleted, nothing changed.
  void ExpectUnchanged(const std::map<std::string, std::string>& before) const {
    const std::map<std::string, std::string> after = TreeState(tree.root());
    for (const auto& [path, content] : after) {
      auto it = before.find(path);
      if (it == before.end()) {
        ADD_FAILURE() << "created: " << path;
      } else if (it->second != content) {
        ADD_FAILURE() << "changed: " << path;
      }
    }
    for (const auto& [path, content] : before) {
      if (after.count(path) == 0) ADD_FAILURE() << "deleted: " << path;
    }
  }

  // The status `run` reports for `args` (with --mode dryrun, which changes nothing).
  std::string StatusOf(std::vector<std::string> args) const {
    args.insert(args.end(), {"--mode", "dryrun"});
    const Outcome outcome = Run(args);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    return Line(outcome.out, "status");
  }

  heyhi::TempTree tree;
  heyhi::TempTree scratch;
  const std::string exp_root = tree.Path("exp");
  const std::string work = tree.Path("work");
  const std::string home = tree.Path("home");
};

}  // namespace heyhi_test

#endif  // HEYHI_TESTS_BAD_INPUTS_HELPERS_H_
