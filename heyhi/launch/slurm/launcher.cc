// The Slurm launcher: sbatch script into the exp dir, submission, liveness and cancel.
#include "heyhi/launch/slurm/launcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "heyhi/exp_dir.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/script.h"

namespace heyhi {
namespace {

bool IsNumber(absl::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == absl::string_view::npos;
}

// "slurm:<job>" -> "<job>"; "slurm:<array>_<task>" -> "<array>_<task>", which
// Slurm's programs take as that one task of the array.
absl::StatusOr<std::string> SlurmIdOf(const std::string& job_id) {
  absl::string_view id = job_id;
  const bool prefixed = absl::ConsumePrefix(&id, kSlurmJobIdPrefix);
  const size_t underscore = id.find('_');
  const bool valid =
      underscore == absl::string_view::npos
          ? IsNumber(id)
          : IsNumber(id.substr(0, underscore)) && IsNumber(id.substr(underscore + 1));
  if (!prefixed || !valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job id '", job_id, "' is not of the form slurm:<number> or slurm:<array>_<task>"));
  }
  return std::string(id);
}

}  // namespace

absl::StatusOr<std::string> SubmitSlurmJob(const SlurmLauncher& slurm, const std::string& exp_dir,
                                           const std::string& snapshot) {
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, exp_dir, snapshot);
  if (!script.ok()) return script.status();
  const ExpDir dir(exp_dir, exp_dir);
  const std::string folder = dir.File(kSlurmFolder);
  if (mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", folder, ": ", std::strerror(errno)));
  }
  const std::string script_name = absl::StrCat(kSlurmFolder, "/", kSbatchScriptFile);
  if (absl::Status written = dir.WriteFile(script_name, *script); !written.ok()) {
    return written;
  }
  absl::StatusOr<std::string> id = SlurmClient().Submit(dir.File(script_name));
  if (!id.ok()) {
    return absl::Status(id.status().code(),
                        absl::StrCat("cannot submit the Slurm job: ", id.status().message()));
  }
  return absl::StrCat(kSlurmJobIdPrefix, *id);
}

absl::StatusOr<bool> SlurmJobIsAlive(const std::string& job_id) {
  absl::StatusOr<std::string> id = SlurmIdOf(job_id);
  if (!id.ok()) return id.status();
  return SlurmClient().IsAlive(*id);
}

absl::Status KillSlurmJob(const std::string& job_id) {
  absl::StatusOr<std::string> id = SlurmIdOf(job_id);
  if (!id.ok()) return id.status();
  return SlurmClient().Cancel(*id);
}

}  // namespace heyhi
