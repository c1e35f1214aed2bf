// One rank of a train or eval task from a complete MetaCfg text file, started
// the way `run --worker` starts ranks; the runners' tests use it to run
// several ranks at once and to kill a run midway.
//
//   task_worker CONFIG.prototxt EXP_DIR
//
// Rank and rendezvous come from RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
// MASTER_PORT (rank 0 of 1 when unset). SIGUSR2 runs the task's checkpoint
// hook and ends the process with exit code 3, as a preempted job would.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include "conf.pb.h"
#include "glog/logging.h"
#include "google/protobuf/text_format.h"
#include "heyhi/experiment/task_registry.h"

namespace {

constexpr int kPreemptedExitCode = 3;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::atoi(value);
}

// Waits for SIGUSR2 on its own thread (blocked in all others), then saves
// through the hook and exits.
void WatchPreemption(heyhi::JobContext* ctx) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([ctx, set] {
    int signal = 0;
    sigwait(&set, &signal);
    LOG(INFO) << "preempted: running the checkpoint hook";
    ctx->RunCheckpointHook();
    std::cout.flush();
    _exit(kPreemptedExitCode);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  if (argc != 3) {
    std::cerr << "usage: task_worker CONFIG.prototxt EXP_DIR\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  MetaCfg meta;
  if (!in || !google::protobuf::TextFormat::ParseFromString(text.str(), &meta)) {
    std::cerr << "cannot parse " << argv[1] << " as MetaCfg\n";
    return 2;
  }
  const google::protobuf::Message* task = nullptr;
  std::string case_name;
  if (meta.has_train()) {
    task = &meta.train();
    case_name = "train";
  } else if (meta.has_eval()) {
    task = &meta.eval();
    case_name = "eval";
  }
  const heyhi::RegisteredTask* registered = task ? heyhi::FindTask(case_name) : nullptr;
  if (registered == nullptr) {
    std::cerr << "no registered task for the config's case '" << case_name << "'\n";
    return 2;
  }
  heyhi::JobContext::Job job;
  job.exp_dir = argv[2];
  char cwd[4096];
  job.launch_dir = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
  job.rank = EnvInt("RANK", 0);
  job.world_size = EnvInt("WORLD_SIZE", 1);
  job.local_rank = EnvInt("LOCAL_RANK", 0);
  const char* master = std::getenv("MASTER_ADDR");
  job.master_addr = master ? master : "127.0.0.1";
  job.master_port = EnvInt("MASTER_PORT", 0);
  heyhi::JobContext ctx(std::move(job));
  WatchPreemption(&ctx);
  try {
    if (absl::Status status = registered->function(*task, ctx); !status.ok()) {
      LOG(ERROR) << "task failed: " << status;
      return 1;
    }
  } catch (const std::exception& e) {
    LOG(ERROR) << "task failed: " << e.what();
    return 1;
  }
  return 0;
}
