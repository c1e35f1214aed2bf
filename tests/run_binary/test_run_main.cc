// A `run` binary for the tests of the run command, with the test_sleep task.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "conf.pb.h"
#include "heyhi/run.h"
#include "heyhi/task_registry.h"

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

void TestSleep(const TestSleepTask& cfg, heyhi::JobContext& ctx) {
  if (cfg.has_write_file()) {
    std::ofstream out(ctx.ResolvePath(cfg.write_file()), std::ios::app);
    out << ctx.rank() << " " << ctx.world_size() << " " << ctx.local_rank() << " "
        << ctx.master_port() << " " << ReadLink("/proc/self/exe") << " " << WorkingDirectory();
    if (cfg.write_master()) out << " " << ctx.master_addr();
    out << std::endl;
  }
  if (cfg.fail() && cfg.fail_rank() == ctx.rank()) {
    throw std::runtime_error("test_sleep asked to fail");
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds()));
  if (cfg.exit_code() != 0) std::exit(cfg.exit_code());
  if (cfg.fail() && cfg.fail_rank() < 0) throw std::runtime_error("test_sleep asked to fail");
}

}  // namespace

HEYHI_TASK(test_sleep, TestSleepTask, TestSleep);

int main(int argc, char** argv) { return heyhi::Main(argc, argv, MetaCfg::descriptor()); }
