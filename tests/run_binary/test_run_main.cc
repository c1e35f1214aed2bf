// A `run` binary for the tests of the run command, with the test_sleep task.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "conf.pb.h"
#include "gflags/gflags.h"
#include "heyhi/main.h"
#include "heyhi/task.h"

// A project's own flags may share their names with run's: heyhi defines no
// global flags, so these link, and run's --mode and --out still go to run.
DEFINE_string(mode, "project-mode",
              "This project's own --mode (run's flag wins on its command line).");
DEFINE_string(out, "project-out", "This project's own --out.");

namespace {

std::string ReadLink(const char* path) {
  char buffer[4096];
  const ssize_t n = readlink(path, buffer, sizeof(buffer) - 1);
  return n < 0 ? "?" : std::string(buffer, n);
}

std::string WorkingDirectory() {
  char buffer[4096];
  return getcwd(buffer, sizeof(buffer)) == nullptr ? "?" : buffer;
}

// Holds the task until cfg.wait_file exists (see conf.proto); fails after
// cfg.wait_file_timeout seconds without it.
void WaitForFile(const TestSleepTask& cfg, const heyhi::JobContext& ctx) {
  if (!cfg.has_wait_file()) return;
  const std::string path = ctx.ResolvePath(cfg.wait_file()).value();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(cfg.wait_file_timeout());
  while (access(path.c_str(), F_OK) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("test_sleep: " + path + " did not appear within " +
                               std::to_string(cfg.wait_file_timeout()) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// The `steps` form: a task that can be preempted and resumed. The hook runs
// on another thread while a step sleeps; the step in flight is redone.
void SleepInSteps(const TestSleepTask& cfg, heyhi::JobContext& ctx) {
  const std::string progress_file = ctx.exp_dir() + "/progress.txt";
  int saved_step = 0;
  std::ifstream(progress_file) >> saved_step;
  std::atomic<int> next_step{saved_step};
  if (ctx.rank() == 0) {
    ctx.SetCheckpointHook([&next_step, progress_file] {
      std::ofstream(progress_file + ".tmp") << next_step.load() << std::endl;
      std::rename((progress_file + ".tmp").c_str(), progress_file.c_str());
    });
  }
  for (int step = saved_step; step < cfg.steps(); ++step) {
    if (ctx.rank() == 0) {
      std::ofstream(ctx.exp_dir() + "/steps.txt", std::ios::app)
          << ctx.requeue_count() << " " << step << std::endl;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds()));
    if (step == cfg.steps() - 1) WaitForFile(cfg, ctx);
    next_step = step + 1;
  }
  ctx.SetCheckpointHook(nullptr);
}

absl::Status TestSleep(const TestSleepTask& cfg, heyhi::JobContext& ctx) {
  if (cfg.has_copy_file()) {
    absl::StatusOr<std::string> path = ctx.ResolvePath(cfg.copy_file());
    if (!path.ok()) return path.status();
    std::ifstream in(*path, std::ios::binary);
    if (!in) return absl::NotFoundError("test_sleep: cannot read " + *path);
    std::ofstream(ctx.exp_dir() + "/copied.txt", std::ios::binary) << in.rdbuf();
  }
  if (cfg.has_write_file()) {
    std::ofstream out(ctx.ResolvePath(cfg.write_file()).value(), std::ios::app);
    out << ctx.rank() << " " << ctx.world_size() << " " << ctx.local_rank() << " "
        << ctx.master_port() << " " << ReadLink("/proc/self/exe") << " " << WorkingDirectory();
    if (cfg.write_master()) out << " " << ctx.master_addr();
    out << std::endl;
  }
  if (cfg.fail() && cfg.fail_rank() == ctx.rank()) {
    throw std::runtime_error("test_sleep asked to fail");
  }
  if (cfg.steps() > 0) {
    SleepInSteps(cfg, ctx);
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds()));
    WaitForFile(cfg, ctx);
  }
  for (int epoch = 1; epoch <= cfg.metrics_epochs(); ++epoch) {
    absl::Status logged =
        ctx.LogMetrics({{"loss", 1.0 / epoch}, {"lr", cfg.lr() * epoch}}, epoch, epoch * 10);
    if (!logged.ok()) return logged;
  }
  if (cfg.exit_code() != 0) std::exit(cfg.exit_code());
  if (cfg.fail() && cfg.fail_rank() < 0) return absl::InternalError("test_sleep asked to fail");
  if (FLAGS_mode != "project-mode" || FLAGS_out != "project-out") {
    return absl::InternalError("run's flags changed the project's own --mode/--out");
  }
  return absl::OkStatus();
}

}  // namespace

HEYHI_TASK(test_sleep, TestSleepTask, TestSleep);

int main(int argc, char** argv) { return heyhi::Main(argc, argv, MetaCfg::descriptor()); }
