// An experiment folder: its files, its status, the launch lock, and wiping it
// safely (SPEC §6).
#ifndef HEYHI_EXP_DIR_H_
#define HEYHI_EXP_DIR_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace heyhi {

// File names inside an exp dir. heyhi writes these and nothing else of its
// own; everything else belongs to the task.
inline constexpr char kMarkerFile[] = ".heyhi";      // "this folder is heyhi's"
inline constexpr char kDoneFile[] = "heyhi.done";    // the task returned normally
inline constexpr char kJobIdFile[] = "heyhi.jobid";  // "local:<pid>@<host>" | "slurm:<id>"
inline constexpr char kLockFile[] = "heyhi.lock";    // flock()ed while launching
inline constexpr char kRootConfigFile[] = "config_meta.prototxt";
inline constexpr char kTaskConfigFile[] = "config.prototxt";
inline constexpr char kOverridesFile[] = "overrides.txt";
inline constexpr char kCommandFile[] = "command.txt";
inline constexpr char kLaunchDirFile[] = "heyhi.launch_dir";  // folder `run` started from
inline constexpr char kSnapshotFile[] = "heyhi.snapshot";     // path of the binary jobs run
inline constexpr char kRunLogFile[] = "run.log";
inline constexpr char kXpRecordFile[] = "heyhi.xp.prototxt";  // what info, ls and -f read
inline constexpr char kMetricsFile[] = "metrics.jsonl";       // one JSON object per line

enum class XpStatus { kNotStarted, kRunning, kDone, kDead };

// "NOT_STARTED", "RUNNING", "DONE", "DEAD".
const char* XpStatusName(XpStatus status);

// Tells whether a recorded job is alive, by the scheme of its job id
// ("local", "slurm"). The default handles "local:<pid>@<host>" only; the
// Slurm launcher installs one that also asks Slurm.
using JobLivenessProbe = std::function<absl::StatusOr<bool>(const std::string& job_id)>;
absl::StatusOr<bool> LocalJobIsAlive(const std::string& job_id);

// Holds the launch lock of an exp dir until destroyed.
class ExpLock {
 public:
  ~ExpLock();
  ExpLock(const ExpLock&) = delete;
  ExpLock& operator=(const ExpLock&) = delete;

 private:
  friend class ExpDir;
  explicit ExpLock(int fd) : fd_(fd) {}
  int fd_;
};

class ExpDir {
 public:
  // `path` is the exp dir; `exp_root` the folder it must lie inside for
  // Wipe() to touch it (HH_EXP_DIR, or the explicit --out).
  ExpDir(std::string path, std::string exp_root);

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  // Status from heyhi's own files: no job id -> NOT_STARTED; done file ->
  // DONE; job alive (per `probe`) -> RUNNING; else DEAD.
  XpStatus Status(const JobLivenessProbe& probe = LocalJobIsAlive) const;

  // Creates the folder (and parents) and the marker file.
  absl::Status Create();
  bool HasMarker() const;

  // Takes the launch lock without waiting (creates the folder and marker
  // first). Null when another process holds it: that one is launching.
  absl::StatusOr<std::unique_ptr<ExpLock>> TryLock();

  // Writes `content` to File(name) atomically: a temp file in the same
  // folder, fsync, rename.
  absl::Status WriteFile(const std::string& name, const std::string& content) const;
  absl::StatusOr<std::string> ReadFile(const std::string& name) const;

  // Records the current job (and adds it to the record's job history).
  absl::Status RecordJobId(const std::string& job_id) const;
  absl::StatusOr<std::string> JobId() const;  // trimmed; NotFound when none
  // Marks the task as returned normally (and records when).
  absl::Status MarkDone() const;

  // Removes the temporary files (`<name>.tmp.<pid>[.<n>]`) that a process
  // killed while writing left behind, if that process is gone; returns how
  // many. Call while holding the lock.
  int RemoveLeftoverTempFiles() const;

  // Deletes the folder's content and the folder itself, only if it carries
  // heyhi's marker, lies strictly inside exp_root, and is neither `/` nor the
  // exp root itself. Never follows a symlink: a link is removed, its target
  // is left alone. Refusals are FailedPrecondition errors that say why.
  absl::Status Wipe() const;

  // Same checks as Wipe(), but empties the folder and keeps it, its marker
  // and its lock file: a `run` that holds the lock while it restarts the XP
  // keeps holding it, so a racing `run` cannot slip in between.
  absl::Status Clear() const;

 private:
  // The resolved path if Wipe()/Clear() may touch this folder, "" if it does
  // not exist, else the refusal.
  absl::StatusOr<std::string> CheckWipeable() const;

  std::string path_;
  std::string exp_root_;
};

}  // namespace heyhi

#endif  // HEYHI_EXP_DIR_H_
