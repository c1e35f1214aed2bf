// The process-wide table of task functions, filled by HEYHI_TASK at start-up.
#include "heyhi/experiment/task_registry.h"

#include <cstdio>
#include <cstdlib>

#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/paths.h"

namespace heyhi {
namespace {

// A function-local static: registrations run during static initialisation,
// in an order across files that C++ does not define.
std::map<std::string, RegisteredTask>& Registry() {
  static auto* registry = new std::map<std::string, RegisteredTask>();
  return *registry;
}

}  // namespace

void JobContext::SetCheckpointHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->hook = std::move(hook);
}

bool JobContext::RunCheckpointHook() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (!shared_->hook) return false;
  shared_->hook();
  return true;
}

absl::StatusOr<std::string> JobContext::ResolvePath(const std::string& path) const {
  return heyhi::ResolvePath(path, job_.env, job_.launch_dir);
}

absl::Status JobContext::LogMetrics(const std::map<std::string, double>& metrics, int64_t epoch,
                                    int64_t step) const {
  if (job_.rank != 0) return absl::OkStatus();
  const bool first = !shared_->metrics_logged.exchange(true);
  return AppendMetrics(job_.exp_dir + "/" + kMetricsFile, metrics, epoch, step,
                       /*drop_from_epoch=*/first);
}

bool RegisterTask(const std::string& case_name, const std::string& type_name,
                  TaskFunction function) {
  auto [it, inserted] =
      Registry().emplace(case_name, RegisteredTask{case_name, type_name, std::move(function)});
  if (!inserted) {
    std::fprintf(stderr, "heyhi: task '%s' is registered twice\n", case_name.c_str());
    std::abort();
  }
  return true;
}

const RegisteredTask* FindTask(const std::string& case_name) {
  auto it = Registry().find(case_name);
  return it == Registry().end() ? nullptr : &it->second;
}

const std::map<std::string, RegisteredTask>& RegisteredTasks() { return Registry(); }

}  // namespace heyhi
