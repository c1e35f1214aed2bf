// One squeue for the liveness of every Slurm job asked about.
#include "heyhi/launch/job_probe.h"

#include <iostream>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "heyhi/exp_dir.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/launcher.h"

namespace heyhi {

absl::StatusOr<bool> BatchedJobProbe::IsAlive(const std::string& job_id) {
  absl::string_view id = job_id;
  if (!absl::ConsumePrefix(&id, kSlurmJobIdPrefix)) return LocalJobIsAlive(job_id);
  if (!ask_slurm_) return true;
  if (!queue_) {
    absl::StatusOr<std::map<std::string, std::string>> states = SlurmClient().QueueStates();
    queue_ = states.ok() ? std::move(*states) : std::map<std::string, std::string>();
    if (!states.ok()) std::cerr << who_ << ": " << states.status().message() << std::endl;
  }
  auto it = queue_->find(std::string(id));
  return it != queue_->end() && IsAliveSlurmState(it->second);
}

std::string BatchedJobProbe::SlurmState(const std::string& job_id) const {
  absl::string_view id = job_id;
  if (!queue_ || !absl::ConsumePrefix(&id, kSlurmJobIdPrefix)) return "";
  auto it = queue_->find(std::string(id));
  return it == queue_->end() ? "" : it->second;
}

}  // namespace heyhi
