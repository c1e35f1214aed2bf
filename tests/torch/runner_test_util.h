// Helpers of the runners' tests: configs of tiny training runs, worker
// processes (tests/torch/task_worker), holding a run at a step, free ports
// and metrics files.
#ifndef HEYHI_TESTS_TORCH_RUNNER_TEST_UTIL_H_
#define HEYHI_TESTS_TORCH_RUNNER_TEST_UTIL_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace runners_test {

// The task_worker binary of this build.
std::string WorkerBinary();

// The `run` binary of this build.
std::string RunBinary();

// Starts argv[0] with `argv`, the environment plus `env` ("NAME=value"
// entries that replace inherited ones), stdout and stderr to `log_path`. The
// process is killed if the test process dies first.
pid_t StartProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& log_path);

// A MetaCfg text with a `train` task on the first `train_samples` and
// `test_samples` images of the installed Fashion-MNIST, and `train_fields`
// (text-format TrainTask fields, e.g. "mlp { hidden_dim: 16 }") added.
std::string TrainConfig(int train_samples, int test_samples, const std::string& train_fields);

// Starts task_worker on `config_path` with exp dir `exp_dir`, as rank `rank`
// of `world_size` (rendezvous at 127.0.0.1:`port`), with `env` added to its
// environment as StartProcess does. Its output goes to `log_path`.
pid_t StartWorker(const std::string& config_path, const std::string& exp_dir, int rank,
                  int world_size, int port, const std::string& log_path,
                  const std::vector<std::string>& env = {});

// Waits for `pid`; its exit code, or 128 + signal when it was killed.
int WaitForExit(pid_t pid);

// Runs one worker to its end; returns its exit code.
int RunWorker(const std::string& config_path, const std::string& exp_dir,
              const std::string& log_path);

// The environment entry that holds a training run before step `step` (0:
// after the previous epoch was saved) of epoch `epoch` (1-based): see
// runners/hold_point.h. Pass it to StartProcess or StartWorker's env.
std::string HoldAtEnv(int epoch, int step);

// Waits until the run `pid`, started with HoldAtEnv, holds: returns the folder
// under `root` (the exp dir) where it wrote runners::kHeldFile. Returns "" if
// the process ended first or nothing held within 10 minutes (a hang guard:
// the caller fails the test).
std::string WaitUntilHeld(const std::string& root, pid_t pid);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// metrics.jsonl of `exp_dir`, one map of key -> number per line (null, for a
// NaN, is left out). A line that is not a JSON object fails the test.
std::vector<std::map<std::string, double>> ReadMetrics(const std::string& exp_dir);

// ReadMetrics without the timings (train_seconds, epoch_seconds,
// samples_per_s), which differ from run to run.
std::vector<std::map<std::string, double>> MetricsWithoutTimes(const std::string& exp_dir);

// Content of a file ("" when missing).
std::string Slurp(const std::string& path);

}  // namespace runners_test

#endif  // HEYHI_TESTS_TORCH_RUNNER_TEST_UTIL_H_
