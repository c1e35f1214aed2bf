// The minimal example's `run` binary: the greet task writes greeting.txt into its exp dir.
#include "heyhi/main.h"

#include <fstream>

#include "heyhi/task.h"
#include "minimal.cfg.h"

absl::Status Greet(const minimal::GreetTask& task, heyhi::JobContext& ctx) {
  minimal::GreetTaskView cfg(task);
  std::ofstream out(ctx.exp_dir() + "/greeting.txt");
  for (int i = 0; i < cfg.times(); ++i) out << cfg.greeting() << ", " << cfg.name() << "!\n";
  return out ? absl::OkStatus() : absl::InternalError("cannot write greeting.txt");
}
HEYHI_TASK(greet, minimal::GreetTask, Greet);

int main(int argc, char** argv) { return heyhi::Main(argc, argv, minimal::MetaCfg::descriptor()); }
