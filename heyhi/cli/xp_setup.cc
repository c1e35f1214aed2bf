// An experiment's name, folder and recorded files (shared by run and grid).
#include "heyhi/cli/xp_setup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/conf_access.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/signature.h"

namespace heyhi {

std::vector<std::string> TokensForTag(const Composed& composed,
                                      const std::vector<std::string>& given) {
  std::vector<std::string> tokens;
  for (const std::string& token : given) {
    const std::string stripped = StripOverrideDashes(token);
    const size_t eq = stripped.find('=');
    if (eq == std::string::npos) {
      tokens.push_back(token);
      continue;
    }
    const std::string key = stripped.substr(0, eq);
    absl::StatusOr<std::string> value = ConfGet(*composed.task, key);
    const bool scalar = value.ok() && !value->empty() && value->front() != '{' &&
                        value->front() != '[' && value->front() != '\'' && value->front() != '"' &&
                        value->find('\n') == std::string::npos;
    tokens.push_back(scalar ? absl::StrCat(key, "=", *value) : token);
  }
  return tokens;
}

absl::StatusOr<ExpIdFields> ExpIdFieldsFor(const Composed& composed,
                                           const std::vector<std::string>& overrides, bool adhoc) {
  absl::StatusOr<ExpIdFields> fields = MakeExpIdFields(
      composed.config_path, composed.search->conf_root, TokensForTag(composed, overrides), adhoc,
      Signature(*composed.task), std::time(nullptr));
  if (!fields.ok()) return fields.status();
  // HeyHi hashed the tokens as typed; %(redefines_hash)s finds its folders.
  absl::StatusOr<std::string> redefines_hash = RedefinesHash(composed.overrides);
  if (!redefines_hash.ok()) return redefines_hash.status();
  fields->redefines_hash = *redefines_hash;
  return fields;
}

absl::StatusOr<std::string> ExpDirFor(const ExpIdFields& fields, const std::string& out_pattern,
                                      const std::string& exp_root) {
  absl::StatusOr<std::string> exp_id =
      ExpId(out_pattern.empty() ? kDefaultExpIdPattern : out_pattern, fields);
  if (!exp_id.ok()) return exp_id.status();
  return ExpDirPath(exp_root, *exp_id);
}

std::string CommandToRepeat(const std::vector<std::string>& argv, const std::string& launch_dir) {
  std::vector<std::string> words;
  for (const std::string& arg : argv) words.push_back(ShellQuote(arg));
  return absl::StrCat("cd ", ShellQuote(launch_dir), " && ", absl::StrJoin(words, " "), "\n");
}

void FillXpRecord(const Composed& composed, const std::string& config, const XpFiles& files,
                  const SourceState& source, XpRecord* record) {
  if (!record->has_config()) record->set_config(config);
  record->set_config_abs(composed.config_path);
  record->set_conf_root(composed.search->conf_root);
  record->clear_overrides();
  for (const std::string& token : composed.overrides) record->add_overrides(token);
  record->set_command(files.command);
  record->set_launch_dir(files.launch_dir);
  record->set_task(composed.task_name);
  record->set_created(UnixNow());
  if (!source.commit.empty()) {
    record->set_git_commit(source.commit);
    record->set_git_dirty(source.dirty);
  }
}

void RecordLaunchEnvironment(const LaunchPlan& plan, const ActiveEnv& env, XpRecord* record) {
  *record->mutable_env() = env;
  record->clear_slurm_submitted();
  record->clear_slurm_from_env();
  if (plan.kind == LauncherKind::kSlurm) {
    *record->mutable_slurm_submitted() = plan.slurm;
    for (const std::string& name : plan.slurm_from_env) record->add_slurm_from_env(name);
  }
}

absl::Status WriteXpFiles(const ExpDir& dir, const Composed& composed, const XpFiles& files,
                          const SourceState& source) {
  absl::Status status = SaveConfig(*composed.root, dir.File(kRootConfigFile));
  if (status.ok()) status = SaveConfig(*composed.task, dir.File(kTaskConfigFile));
  std::string overrides;
  for (const std::string& token : files.overrides) absl::StrAppend(&overrides, token, "\n");
  if (status.ok()) status = dir.WriteFile(kOverridesFile, overrides);
  if (status.ok()) status = dir.WriteFile(kCommandFile, files.command);
  if (status.ok()) status = dir.WriteFile(kLaunchDirFile, files.launch_dir + "\n");
  if (status.ok()) status = dir.WriteFile(kSnapshotFile, files.snapshot + "\n");
  if (status.ok()) status = WriteSourceState(source, dir);
  return status;
}

absl::Status StoreXpRecord(const ExpDir& dir, const XpRecord& record, bool goes_on) {
  return UpdateXpRecord(dir, [&record, goes_on](XpRecord* stored) {
    XpRecord kept = record;
    if (goes_on && stored->created() > 0) kept.set_created(stored->created());
    if (goes_on) *kept.mutable_job_ids() = stored->job_ids();
    *stored = std::move(kept);
  });
}

std::string WipeRoot(const std::string& exp_dir, const std::string& exp_root) {
  if (absl::StartsWith(exp_dir, exp_root + "/")) return exp_root;
  const size_t slash = exp_dir.rfind('/');
  return slash == 0 ? "/" : exp_dir.substr(0, slash);
}

bool HoldsOnlyHeyhiFiles(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path.c_str()), closedir);
  if (!dir) return false;
  while (dirent* entry = readdir(dir.get())) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (!absl::StartsWith(name, kMarkerFile) && !absl::StartsWith(name, "heyhi.")) return false;
    struct stat st;
    if (fstatat(dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      // Gone since readdir: a racing run's temporary file, renamed into place.
      if (errno == ENOENT) continue;
      return false;
    }
    if (!S_ISREG(st.st_mode)) return false;
  }
  return true;
}

}  // namespace heyhi
