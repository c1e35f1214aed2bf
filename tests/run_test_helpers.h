// Helpers of the run tests: start the test `run` binary in a temporary
// HH_EXP_DIR and read what it printed and left behind.
#ifndef HEYHI_TESTS_RUN_TEST_HELPERS_H_
#define HEYHI_TESTS_RUN_TEST_HELPERS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "temp_tree.h"

namespace heyhi_test {

inline std::string RunBinaryPath() {
  return std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run";
}
inline std::string SourceDir() { return HEYHI_SOURCE_DIR; }

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A started `run` process; its output goes to files under `scratch`.
struct RunProcess {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
};

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// Starts `binary args...` with HH_EXP_DIR=exp_root and `cwd` as working dir.
inline RunProcess StartRun(const std::string& exp_root, const std::vector<std::string>& args,
                           const std::string& scratch, const std::string& cwd = SourceDir(),
                           const std::string& binary = RunBinaryPath()) {
  static int counter = 0;
  RunProcess p;
  p.out_path = scratch + "/out_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  p.err_path = p.out_path + ".err";
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string env_value = exp_root;
  p.pid = fork();
  if (p.pid == 0) {
    setenv("HH_EXP_DIR", env_value.c_str(), 1);
    const int out = open(p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || chdir(cwd.c_str()) != 0) _exit(126);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  EXPECT_GT(p.pid, 0);
  return p;
}

inline RunResult Wait(const RunProcess& p) {
  RunResult r;
  int status = 0;
  waitpid(p.pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(p.out_path);
  r.err = ReadAll(p.err_path);
  return r;
}

inline RunResult Run(const std::string& exp_root, const std::vector<std::string>& args,
                     const std::string& scratch, const std::string& cwd = SourceDir(),
                     const std::string& binary = RunBinaryPath()) {
  return Wait(StartRun(exp_root, args, scratch, cwd, binary));
}

// The value of the line "<label>: value" of `out`, "" when absent.
inline std::string Line(const std::string& out, const std::string& label) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(label + ": ", 0) == 0) return line.substr(label.size() + 2);
  }
  return "";
}

// Waits until `path` exists (the test fails after a minute).
inline bool WaitForFile(const std::string& path) {
  for (int i = 0; i < 6000; ++i) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "timed out waiting for " << path;
  return false;
}

inline int CountLines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

inline bool IsEmptyDir(const std::string& path) { return std::filesystem::is_empty(path); }

// A temp folder with an exp root and a scratch folder for outputs.
struct RunSandbox {
  heyhi::TempTree tree;
  std::string exp_root = tree.Path("exp");
  std::string scratch = tree.Path("scratch");
  RunSandbox() {
    std::filesystem::create_directories(exp_root);
    std::filesystem::create_directories(scratch);
  }
  RunResult Run(const std::vector<std::string>& args) const {
    return heyhi_test::Run(exp_root, args, scratch);
  }
  RunProcess Start(const std::vector<std::string>& args) const {
    return StartRun(exp_root, args, scratch);
  }
};

}  // namespace heyhi_test

#endif  // HEYHI_TESTS_RUN_TEST_HELPERS_H_
