// Task functions: registration of a function for one case of MetaCfg.task,
// and the JobContext a task receives (SPEC §8).
#ifndef HEYHI_TASK_REGISTRY_H_
#define HEYHI_TASK_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "google/protobuf/message.h"

namespace heyhi {

// What a running task knows about its job. Built by the launcher.
class JobContext {
 public:
  // The experiment folder (also the working directory while the task runs).
  const std::string& exp_dir() const { return exp_dir_; }
  // The folder `run` was started from.
  const std::string& launch_dir() const { return launch_dir_; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }
  const std::string& master_addr() const { return master_addr_; }
  int master_port() const { return master_port_; }
  // How many times this job was requeued after preemption (0 on first start).
  int requeue_count() const { return requeue_count_; }

  // A path from the config: absolute as is, relative to launch_dir().
  std::string ResolvePath(const std::string& path) const;

  // Called on rank 0 when the job is preempted (Slurm's signal), before it is
  // requeued: save what is needed to resume. It runs on a thread of its own
  // while the task goes on, so it must take the task's own lock. Setting
  // another hook (or nullptr) first waits for a running hook to return: a task
  // that clears its hook before its state goes away is never called back late.
  void SetCheckpointHook(std::function<void()> hook);
  // Runs the hook, if one is set; returns whether one was.
  bool RunCheckpointHook() const;

  // Setters used by launchers.
  void set_exp_dir(std::string v) { exp_dir_ = std::move(v); }
  void set_launch_dir(std::string v) { launch_dir_ = std::move(v); }
  void set_rank(int r, int world_size, int local_rank) {
    rank_ = r;
    world_size_ = world_size;
    local_rank_ = local_rank;
  }
  void set_master(std::string addr, int port) {
    master_addr_ = std::move(addr);
    master_port_ = port;
  }
  void set_requeue_count(int n) { requeue_count_ = n; }

 private:
  std::string exp_dir_;
  std::string launch_dir_;
  int rank_ = 0;
  int world_size_ = 1;
  int local_rank_ = 0;
  std::string master_addr_ = "127.0.0.1";
  int master_port_ = 0;
  int requeue_count_ = 0;
  // Shared by copies of the context: they are views of one job.
  struct HookSlot {
    std::mutex mutex;
    std::function<void()> hook;
  };
  std::shared_ptr<HookSlot> checkpoint_hook_ = std::make_shared<HookSlot>();
};

// A task: gets the frozen task message and the job context. Failure is an
// exception (or the process exiting non-zero); the XP is then DEAD.
using TaskFunction =
    std::function<void(const google::protobuf::Message& cfg, JobContext& ctx)>;

struct RegisteredTask {
  std::string case_name;  // the MetaCfg.task case, e.g. "train"
  std::string type_name;  // full name of the task message type
  TaskFunction function;
};

// Registers `function` for task case `case_name`. Returns true so it can
// initialise a static; registering a case twice aborts at start-up.
bool RegisterTask(const std::string& case_name, const std::string& type_name,
                  TaskFunction function);

// The registered task for `case_name`, or null.
const RegisteredTask* FindTask(const std::string& case_name);

// All registered tasks by case name.
const std::map<std::string, RegisteredTask>& RegisteredTasks();

}  // namespace heyhi

// HEYHI_TASK(train, TrainTask, Train) registers
//   void Train(const TrainTask& cfg, heyhi::JobContext& ctx);
// for the `train` case of MetaCfg.task.
#define HEYHI_TASK(case_name, Type, function)                                        \
  static const bool heyhi_task_registered_##case_name = ::heyhi::RegisterTask(       \
      #case_name, Type::descriptor()->full_name(),                                   \
      [](const ::google::protobuf::Message& cfg, ::heyhi::JobContext& ctx) {         \
        function(static_cast<const Type&>(cfg), ctx);                                \
      })

#endif  // HEYHI_TASK_REGISTRY_H_
