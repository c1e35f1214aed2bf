// Job arrays on Slurm: many prepared experiments per sbatch, with a journal.
#include "heyhi/launch/slurm/array.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "heyhi/base/files.h"
#include "heyhi/base/parallel.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/exp_dir.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/launcher.h"
#include "heyhi/launch/slurm/script.h"

namespace heyhi {
namespace {

constexpr char kEntryComment[] =
    "# A Slurm array submission of heyhi (heyhi/launch/slurm/array.h): written before sbatch,\n"
    "# removed once every member records its job id.\n";

// Recording thousands of members is bound by fsync; fsyncs of other files
// overlap, so a few threads share the members.
constexpr size_t kMaxThreads = 16;

void ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  heyhi::ParallelFor(n, kMaxThreads, /*min_per_thread=*/64, fn);
}

std::string NewArrayJobName() {
  std::random_device random;
  return absl::StrFormat("heyhi-array-%08x%08x", random(), random());
}

std::string TaskJobId(const std::string& array_job_id, size_t task) {
  return absl::StrCat(kSlurmJobIdPrefix, array_job_id, "_", task);
}

// A member without a Slurm job: NOT_STARTED.
void ForgetJobId(const std::string& exp_dir) {
  unlink(ExpDir(exp_dir, exp_dir).File(kJobIdFile).c_str());
}

// The placeholder `run` (and a grid) records while it launches: its own
// process, "local:<pid>@<host>". One whose process is gone launched nothing.
bool IsLeftPlaceholder(const std::string& job_id) {
  if (!absl::StartsWith(job_id, "local:")) return false;
  absl::StatusOr<bool> alive = LocalJobIsAlive(job_id);
  return alive.ok() && !*alive;
}

// Checks what SubmitSlurmArrays is given; InvalidArgument names the culprit.
absl::Status CheckArguments(const std::vector<std::string>& exp_dirs,
                            const std::string& journal_dir, int parallelism) {
  if (exp_dirs.empty()) return absl::InvalidArgumentError("no exp dir to submit");
  if (parallelism < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("array parallelism ", parallelism, "; needs at least 1"));
  }
  if (journal_dir.empty() || journal_dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("journal folder '", journal_dir, "' must be an absolute path"));
  }
  std::set<absl::string_view> seen;
  for (const std::string& dir : exp_dirs) {
    if (dir.empty() || dir[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("exp dir '", dir, "' must be an absolute path (the job runs elsewhere)"));
    }
    if (dir.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "exp dir '", dir, "' holds a line break; it cannot be a line of ", kArrayMembersFile));
    }
    if (!seen.insert(dir).second) {
      return absl::InvalidArgumentError(absl::StrCat("exp dir ", dir, " is given twice"));
    }
  }
  return absl::OkStatus();
}

// Each member's `slurm/` folder (where its task writes), after checking that
// the member is a prepared exp dir.
absl::Status PrepareMemberFolders(const std::vector<std::string>& exp_dirs) {
  std::vector<absl::Status> results(exp_dirs.size());
  ParallelFor(exp_dirs.size(), [&](size_t i) {
    const ExpDir dir(exp_dirs[i], exp_dirs[i]);
    if (!dir.HasMarker()) {
      results[i] = absl::FailedPreconditionError(
          absl::StrCat(exp_dirs[i], " is not a prepared exp dir (no ", kMarkerFile, " marker)"));
      return;
    }
    const std::string folder = dir.File(kSlurmFolder);
    if (mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) {
      results[i] = ErrnoError("cannot create", folder);
    }
  });
  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// One array before its sbatch.
struct PlannedArray {
  SubmissionEntry entry;
  std::string entry_path;
  std::string folder;
  size_t first = 0;  // index of its task 0 in exp_dirs
};

// Writes the array's folder (script, members file) and then its journal entry.
absl::Status WritePlannedArray(const SlurmLauncher& slurm, const std::string& snapshot,
                               int parallelism, PlannedArray& array) {
  absl::StatusOr<std::string> script =
      MakeArraySbatchScript(slurm, array.entry.job_name,
                            ArrayRange(static_cast<int>(array.entry.members.size()), parallelism),
                            array.folder, snapshot);
  if (!script.ok()) return script.status();
  absl::Status status = MakeDirs(array.folder);
  if (status.ok()) {
    status = WriteFileAtomically(array.entry.members_file,
                                 absl::StrCat(absl::StrJoin(array.entry.members, "\n"), "\n"));
  }
  if (status.ok()) status = WriteFileAtomically(array.entry.script, *script);
  if (status.ok())
    status = WriteFileAtomically(array.entry_path, FormatSubmissionEntry(array.entry));
  return status;
}

// Undoes WritePlannedArray for an array that will not be submitted.
void RemovePlannedArray(const PlannedArray& array) {
  unlink(array.entry_path.c_str());
  unlink(array.entry.script.c_str());
  unlink(array.entry.members_file.c_str());
  rmdir(array.folder.c_str());
}

// "slurm:<array>_<i>" into each member; returns the members that failed, with why.
std::vector<std::pair<size_t, absl::Status>> RecordMembers(const std::vector<std::string>& members,
                                                           const std::string& array_job_id) {
  std::vector<absl::Status> results(members.size());
  ParallelFor(members.size(), [&](size_t i) {
    results[i] = ExpDir(members[i], members[i]).RecordJobId(TaskJobId(array_job_id, i));
  });
  std::vector<std::pair<size_t, absl::Status>> failed;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) failed.emplace_back(i, results[i]);
  }
  return failed;
}

// Lists the journal entries of `journal_dir`, sorted; none when it does not exist.
absl::StatusOr<std::vector<std::string>> JournalEntries(const std::string& journal_dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(journal_dir.c_str()), closedir);
  if (!dir) {
    if (errno == ENOENT) return std::vector<std::string>();
    return ErrnoError("cannot list", journal_dir);
  }
  std::vector<std::string> entries;
  while (dirent* entry = readdir(dir.get())) {
    const absl::string_view name = entry->d_name;
    // Temp files of an atomic write end otherwise (".submission.tmp.<pid>.<n>").
    if (absl::EndsWith(name, kSubmissionSuffix) && name.size() > strlen(kSubmissionSuffix)) {
      entries.push_back(absl::StrCat(journal_dir, "/", name));
    }
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

std::vector<int> ArraySizes(int members, int max_array_size) {
  std::vector<int> sizes;
  if (max_array_size < 1) return sizes;
  for (int left = members; left > 0; left -= max_array_size) {
    sizes.push_back(std::min(left, max_array_size));
  }
  return sizes;
}

std::string ArrayRange(int size, int parallelism) {
  return absl::StrCat("0-", size - 1, "%", parallelism);
}

absl::StatusOr<std::string> MakeArraySbatchScript(const SlurmLauncher& slurm,
                                                  const std::string& job_name,
                                                  const std::string& array_range,
                                                  const std::string& array_folder,
                                                  const std::string& binary) {
  if (array_folder.empty() || array_folder[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "array folder '", array_folder, "' must be an absolute path (the job runs elsewhere)"));
  }
  SbatchJobOptions options;
  options.job_name = job_name;
  options.array = array_range;
  const std::string log_pattern = absl::StrCat(EscapeFilenamePattern(array_folder), "/%A_%a");
  options.output = absl::StrCat(log_pattern, ".out");
  options.error = absl::StrCat(log_pattern, ".err");
  absl::StatusOr<std::string> header = MakeSbatchHeader(slurm, options);
  if (!header.ok()) return header.status();
  const std::string members = ShellQuote(absl::StrCat(array_folder, "/", kArrayMembersFile));
  return absl::StrCat(
      *header,
      "\n# This task's experiment: line SLURM_ARRAY_TASK_ID (from 0) of the members file.\n"
      "members=",
      members,
      "\n"
      "mapfile -t -s \"$SLURM_ARRAY_TASK_ID\" -n 1 member <\"$members\"\n"
      "exp_dir=${member[0]:-}\n"
      "if [[ -z $exp_dir || ! -d $exp_dir/",
      kSlurmFolder,
      " ]]; then\n"
      "  echo \"heyhi: array task $SLURM_ARRAY_TASK_ID has no exp dir (with a ",
      kSlurmFolder,
      "/ folder) on its line of $members\" >&2\n"
      "  exit 1\n"
      "fi\n"
      "\n# Slurm names its output file per task but keeps one folder for all: from here on\n"
      "# the task writes to its own exp dir, as ",
      kSlurmFolder,
      "/<array>_<task>.out and .err.\n"
      "log=$exp_dir/",
      kSlurmFolder,
      "/${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\n"
      "exec >>\"$log.out\" 2>>\"$log.err\"\n",
      WorkerLaunchLines(slurm, binary, "\"$exp_dir\""));
}

std::string FormatSubmissionEntry(const SubmissionEntry& entry) {
  std::string text = kEntryComment;
  absl::StrAppend(&text, "job_name: ", entry.job_name, "\n");
  absl::StrAppend(&text, "script: ", entry.script, "\n");
  absl::StrAppend(&text, "members_file: ", entry.members_file, "\n");
  if (!entry.array_job_id.empty())
    absl::StrAppend(&text, "array_job_id: ", entry.array_job_id, "\n");
  for (const std::string& member : entry.members) absl::StrAppend(&text, "member: ", member, "\n");
  return text;
}

absl::StatusOr<SubmissionEntry> ParseSubmissionEntry(absl::string_view text,
                                                     const std::string& path) {
  SubmissionEntry entry;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(": ");
    const absl::string_view key = line.substr(0, colon);
    const std::string value(colon == absl::string_view::npos ? "" : line.substr(colon + 2));
    if (colon == absl::string_view::npos || value.empty()) {
      return absl::DataLossError(
          absl::StrCat(path, ":", line_number, ": not a 'key: value' line: '", line, "'"));
    }
    if (key == "job_name") {
      entry.job_name = value;
    } else if (key == "script") {
      entry.script = value;
    } else if (key == "members_file") {
      entry.members_file = value;
    } else if (key == "array_job_id") {
      entry.array_job_id = value;
    } else if (key == "member") {
      entry.members.push_back(value);
    } else {
      return absl::DataLossError(absl::StrCat(path, ":", line_number, ": unknown key '", key, "'"));
    }
  }
  if (entry.job_name.empty() || entry.members.empty()) {
    return absl::DataLossError(absl::StrCat(path, ": no job_name or no member"));
  }
  return entry;
}

absl::StatusOr<std::vector<ArraySubmission>> SubmitSlurmArrays(
    const SlurmLauncher& slurm, const std::vector<std::string>& exp_dirs,
    const std::string& snapshot, const std::string& journal_dir, int parallelism) {
  if (absl::Status s = CheckArguments(exp_dirs, journal_dir, parallelism); !s.ok()) return s;
  // From here on, a member that is not submitted is left NOT_STARTED.
  auto none_submitted = [&exp_dirs](absl::Status why) {
    for (const std::string& member : exp_dirs) ForgetJobId(member);
    return why;
  };
  const SlurmClient client;
  absl::StatusOr<int> max_array_size = client.MaxArraySize();
  if (!max_array_size.ok()) return none_submitted(max_array_size.status());
  if (*max_array_size < 1) {
    return none_submitted(absl::FailedPreconditionError(
        "this Slurm runs no job arrays (`scontrol show config`: MaxArraySize = 0)"));
  }
  if (absl::Status s = MakeDirs(journal_dir); !s.ok()) return none_submitted(s);
  if (absl::Status s = PrepareMemberFolders(exp_dirs); !s.ok()) return none_submitted(s);

  // Every array's files and journal entry before the first sbatch: a kill at
  // any later point leaves an entry for every member not yet recorded.
  std::vector<PlannedArray> arrays;
  size_t first = 0;
  for (int size : ArraySizes(static_cast<int>(exp_dirs.size()), *max_array_size)) {
    PlannedArray array;
    array.first = first;
    array.entry.job_name = NewArrayJobName();
    array.folder = absl::StrCat(journal_dir, "/", array.entry.job_name);
    array.entry.script = absl::StrCat(array.folder, "/", kArrayScriptFile);
    array.entry.members_file = absl::StrCat(array.folder, "/", kArrayMembersFile);
    array.entry.members.assign(exp_dirs.begin() + first, exp_dirs.begin() + first + size);
    array.entry_path = absl::StrCat(journal_dir, "/", array.entry.job_name, kSubmissionSuffix);
    first += size;
    arrays.push_back(std::move(array));
  }
  for (size_t k = 0; k < arrays.size(); ++k) {
    absl::Status written = WritePlannedArray(slurm, snapshot, parallelism, arrays[k]);
    if (!written.ok()) {
      for (size_t j = 0; j <= k; ++j) RemovePlannedArray(arrays[j]);
      return none_submitted(written);
    }
  }

  std::vector<ArraySubmission> submitted;
  // The members of arrays k.. are not submitted: NOT_STARTED, their files gone.
  auto abandon_from = [&](size_t k, const std::string& why) {
    for (size_t j = k; j < arrays.size(); ++j) {
      for (const std::string& member : arrays[j].entry.members) ForgetJobId(member);
      RemovePlannedArray(arrays[j]);
    }
    std::vector<std::string> before;
    for (const ArraySubmission& s : submitted) before.push_back(s.array_job_id);
    return absl::StrCat(why, before.empty()
                                 ? ""
                                 : absl::StrCat(" (the array(s) before it were submitted: ",
                                                absl::StrJoin(before, ", "), ")"));
  };
  for (size_t k = 0; k < arrays.size(); ++k) {
    PlannedArray& array = arrays[k];
    const size_t n = array.entry.members.size();
    absl::StatusOr<std::string> id = client.Submit(array.entry.script);
    if (!id.ok()) {
      const std::string why = absl::StrCat("cannot submit the Slurm array of members ", array.first,
                                           "..", array.first + n - 1, ": ", id.status().message());
      // sbatch may fail after the controller took the job (a timeout, a lost
      // answer): what Slurm holds by the array's name decides.
      absl::StatusOr<std::vector<std::string>> found = client.FindJobsByName(array.entry.job_name);
      if (!found.ok() || found->size() > 1) {
        // Cannot tell: the entry stays for RecoverSlurmSubmissions.
        const std::string kept =
            absl::StrCat(why, "; whether Slurm holds it is unknown (",
                         found.ok() ? absl::StrCat("several jobs named ", array.entry.job_name)
                                    : std::string(found.status().message()),
                         "), so ", array.entry_path, " stays for the next recovery");
        arrays.erase(arrays.begin() + k);
        return absl::Status(id.status().code(), abandon_from(k, kept));
      }
      if (found->empty()) return absl::Status(id.status().code(), abandon_from(k, why));
      LOG(WARNING) << why << "; but Slurm holds it as job " << found->front() << ": adopted";
      id = found->front();
    }
    array.entry.array_job_id = *id;
    // Known now: a successor adopts it without asking Slurm by name.
    absl::Status noted = WriteFileAtomically(array.entry_path, FormatSubmissionEntry(array.entry));
    if (!noted.ok()) LOG(WARNING) << "array " << *id << ": " << noted.message();
    std::vector<std::pair<size_t, absl::Status>> failed = RecordMembers(array.entry.members, *id);
    std::vector<std::string> failures;
    for (const auto& [i, why] : failed) {
      // Without its id recorded the member would run unseen: cancel that task.
      const std::string task = absl::StrCat(*id, "_", i);
      absl::Status cancelled = client.Cancel(task);
      ForgetJobId(array.entry.members[i]);
      failures.push_back(absl::StrCat(
          array.entry.members[i], ": ", why.message(), " (task ", task,
          cancelled.ok() ? " cancelled" : absl::StrCat(" not cancelled: ", cancelled.message()),
          ")"));
    }
    unlink(array.entry_path.c_str());
    ArraySubmission submission;
    submission.array_job_id = *id;
    for (size_t i = 0; i < n; ++i) submission.job_ids.push_back(TaskJobId(*id, i));
    submitted.push_back(std::move(submission));
    if (!failures.empty()) {
      return absl::InternalError(abandon_from(
          k + 1, absl::StrCat("Slurm array ", *id, ": cannot record the job id of ",
                              failures.size(), " member(s): ", absl::StrJoin(failures, "; "))));
    }
  }
  return submitted;
}

absl::StatusOr<int> RecoverSlurmSubmissions(const std::string& journal_dir) {
  absl::StatusOr<std::vector<std::string>> entries = JournalEntries(journal_dir);
  if (!entries.ok()) return entries.status();
  const SlurmClient client;
  int adopted = 0;
  for (const std::string& path : *entries) {
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok()) return text.status();
    absl::StatusOr<SubmissionEntry> entry = ParseSubmissionEntry(*text, path);
    if (!entry.ok()) return entry.status();
    std::string array_job_id = entry->array_job_id;
    if (array_job_id.empty()) {
      absl::StatusOr<std::vector<std::string>> found = client.FindJobsByName(entry->job_name);
      if (!found.ok()) {
        return absl::Status(found.status().code(),
                            absl::StrCat(path, ": cannot ask Slurm for job ", entry->job_name, ": ",
                                         found.status().message()));
      }
      if (found->size() > 1) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, ": Slurm knows several jobs named ", entry->job_name, " (",
                         absl::StrJoin(*found, ", "), "); adopt one by hand"));
      }
      if (!found->empty()) array_job_id = found->front();
    }
    for (size_t i = 0; i < entry->members.size(); ++i) {
      const ExpDir dir(entry->members[i], entry->members[i]);
      absl::StatusOr<std::string> current = dir.JobId();
      if (array_job_id.empty()) {
        if (current.ok() && IsLeftPlaceholder(*current)) ForgetJobId(dir.path());
        continue;
      }
      const std::string job_id = TaskJobId(array_job_id, i);
      if (current.ok() && *current != job_id && !IsLeftPlaceholder(*current)) {
        LOG(WARNING) << dir.path() << " records job " << *current << " now; not adopting "
                     << job_id;
        continue;
      }
      absl::Status recorded = dir.RecordJobId(job_id);
      if (!recorded.ok()) {
        return absl::Status(recorded.code(), absl::StrCat("cannot adopt ", job_id, " into ",
                                                          dir.path(), ": ", recorded.message()));
      }
      ++adopted;
    }
    if (array_job_id.empty()) {
      LOG(INFO) << "Slurm knows no job " << entry->job_name << ": its " << entry->members.size()
                << " member(s) were not submitted";
      unlink(entry->script.c_str());
      unlink(entry->members_file.c_str());
      rmdir(entry->script.substr(0, entry->script.rfind('/')).c_str());
    } else {
      LOG(INFO) << "adopted Slurm array " << array_job_id << " (" << entry->job_name << ")";
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("cannot remove", path);
  }
  return adopted;
}

}  // namespace heyhi
