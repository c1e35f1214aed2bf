// Worker processes, holds, ports and metrics for the runners' tests.
#include "tests/torch/runner_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runners/fashion_mnist.h"
#include "runners/hold_point.h"

namespace runners_test {

std::string WorkerBinary() { return std::string(HEYHI_BINARY_DIR) + "/tests/torch/task_worker"; }

std::string RunBinary() { return std::string(HEYHI_BINARY_DIR) + "/run"; }

std::string TrainConfig(int train_samples, int test_samples, const std::string& train_fields) {
  return absl::StrCat("train {\n  data { dir: \"", runners::kDefaultFashionMnistDir,
                      "\" max_train_samples: ", train_samples, " max_test_samples: ", test_samples,
                      " }\n  num_threads: 1\n  log_every: 0\n  ", train_fields, "\n}\n");
}

pid_t StartProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& log_path) {
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls until exec.
  std::vector<std::string> environment = env;
  for (char** var = environ; *var != nullptr; ++var) {
    const std::string entry = *var;
    bool replaced = false;
    for (const std::string& set : env) {
      replaced = replaced || entry.compare(0, set.find('=') + 1, set, 0, set.find('=') + 1) == 0;
    }
    if (!replaced) environment.push_back(entry);
  }
  std::vector<char*> envp;
  for (std::string& var : environment) envp.push_back(var.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> args_pointers;
  for (std::string& arg : args) args_pointers.push_back(arg.data());
  args_pointers.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = fork();
  if (pid == 0) {
    // A run held for a test waits minutes to be killed: not past a failed test.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execve(args_pointers[0], args_pointers.data(), envp.data());
    _exit(127);
  }
  if (log >= 0) close(log);
  return pid;
}

pid_t StartWorker(const std::string& config_path, const std::string& exp_dir, int rank,
                  int world_size, int port, const std::string& log_path,
                  const std::vector<std::string>& env) {
  std::vector<std::string> worker_env = {absl::StrCat("RANK=", rank),
                                         absl::StrCat("LOCAL_RANK=", rank),
                                         absl::StrCat("WORLD_SIZE=", world_size),
                                         absl::StrCat("LOCAL_WORLD_SIZE=", world_size),
                                         absl::StrCat("MASTER_PORT=", port),
                                         "MASTER_ADDR=127.0.0.1"};
  worker_env.insert(worker_env.end(), env.begin(), env.end());
  return StartProcess({WorkerBinary(), config_path, exp_dir}, worker_env, log_path);
}

int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int RunWorker(const std::string& config_path, const std::string& exp_dir,
              const std::string& log_path) {
  return WaitForExit(StartWorker(config_path, exp_dir, 0, 1, 0, log_path));
}

std::string HoldAtEnv(int epoch, int step) {
  return absl::StrCat(runners::kHoldAtEnv, "=", epoch, ":", step);
}

std::string WaitUntilHeld(const std::string& root, pid_t pid) {
  const auto guard = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (std::chrono::steady_clock::now() < guard) {
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(root, error);
         it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it->path().filename() == runners::kHeldFile) return it->path().parent_path();
    }
    // Still running? (WNOWAIT leaves an ended process for WaitForExit to reap.)
    siginfo_t info{};
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == pid) {
      return "";
    }
    // How often to look, not how long anything takes.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::map<std::string, double>> ReadMetrics(const std::string& exp_dir) {
  std::vector<std::map<std::string, double>> lines;
  for (absl::string_view line :
       absl::StrSplit(Slurp(exp_dir + "/metrics.jsonl"), '\n', absl::SkipEmpty())) {
    std::map<std::string, double> values;
    const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(json.is_object()) << exp_dir
                                  << "/metrics.jsonl has a line that is not an object: " << line;
    if (json.is_object()) {
      for (const auto& item : json.items()) {
        if (item.value().is_number()) values[item.key()] = item.value().get<double>();
      }
    }
    lines.push_back(values);
  }
  return lines;
}

std::vector<std::map<std::string, double>> MetricsWithoutTimes(const std::string& exp_dir) {
  auto lines = ReadMetrics(exp_dir);
  for (auto& line : lines) {
    for (const char* key : {"train_seconds", "epoch_seconds", "samples_per_s", "time"}) {
      line.erase(key);
    }
  }
  return lines;
}

}  // namespace runners_test
