// Worker mode of `run` (`run --worker <exp dir>`): the process a launcher
// starts for each rank. It reads the frozen config from the exp dir and never
// composes again (SPEC §7).
#ifndef HEYHI_LAUNCH_WORKER_H_
#define HEYHI_LAUNCH_WORKER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/heyhi.pb.h"
#include "heyhi/task.h"

namespace heyhi {

// Rank, world size, local rank and master address of this process, from
// torchrun-style variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT), else Slurm's (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, the
// first host of SLURM_JOB_NODELIST); none: rank 0 of 1 on 127.0.0.1. `env`
// is the environment the experiment was launched in.
JobContext JobContextFromEnv(const std::string& exp_dir, const std::string& launch_dir,
                             ActiveEnv env = ActiveEnv());

// The environment an experiment was launched in, as its record keeps it. An
// experiment recorded before environments existed gets the one its conf
// root gives now, or the built-in defaults.
ActiveEnv RecordedEnvironment(const XpRecord& record);

// The first host name of a Slurm node list: "node[03-05,7],gpu1" -> "node03".
std::string FirstHostOfNodeList(const std::string& node_list);

// The root config saved in `exp_dir` (config_meta.prototxt) parsed as
// `root_type`, with the name of its chosen task case.
struct FrozenConfig {
  std::unique_ptr<google::protobuf::Message> root;
  const google::protobuf::Message* task = nullptr;
  std::string task_name;
};
absl::StatusOr<FrozenConfig> ReadFrozenConfig(const std::string& exp_dir,
                                              const google::protobuf::Descriptor* root_type);

// Runs the task of the experiment in `exp_dir` as one rank; returns the
// process exit code (0 success, 1 failure, logged).
int WorkerMain(const std::string& exp_dir, const google::protobuf::Descriptor* root_type);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_WORKER_H_
