// Slurm's command-line programs run as programs with an argv; failures as absl::Status.
#include "heyhi/launch/slurm/client.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace heyhi {
namespace {

using Clock = std::chrono::steady_clock;

// Slurm's words for a failed command: stderr, else stdout, trimmed.
std::string SlurmMessage(const ProgramResult& result) {
  absl::string_view text = absl::StripAsciiWhitespace(result.err);
  if (text.empty()) text = absl::StripAsciiWhitespace(result.out);
  if (text.empty()) return absl::StrCat("exit status ", result.exit_code, ", no message");
  return std::string(text);
}

// Slurm's answers for a job it does not know: "Invalid job id specified", and
// for a task of an array that it no longer holds (a pending task cancelled on
// its own leaves no record) "Job 12_3 not found".
bool IsInvalidJobId(const ProgramResult& result) {
  for (const std::string* text : {&result.err, &result.out}) {
    if (absl::StrContains(*text, "Invalid job id") ||
        (absl::StartsWith(*text, "Job ") && absl::StrContains(*text, " not found"))) {
      return true;
    }
  }
  return false;
}

// The value of KEY=VALUE in Slurm's one-line-per-record formats.
std::string FieldValue(absl::string_view text, absl::string_view key) {
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, key) && absl::ConsumePrefix(&word, "=")) {
      return std::string(word);
    }
  }
  return "";
}

}  // namespace

bool IsAliveSlurmState(absl::string_view state) {
  static constexpr absl::string_view kAlive[] = {
      "PENDING",     "RUNNING",   "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "COMPLETING",
      "CONFIGURING", "SUSPENDED", "RESIZING", "STOPPED",     "SIGNALING",    "STAGE_OUT"};
  for (absl::string_view alive : kAlive) {
    if (state == alive) return true;
  }
  return false;
}

absl::StatusOr<ProgramResult> SlurmClient::RunSlurm(const std::vector<std::string>& argv) const {
  ProgramOptions options;
  options.timeout = options_.command_timeout;
  absl::StatusOr<ProgramResult> result = RunProgram(argv, options);
  if (absl::IsNotFound(result.status())) {
    return absl::NotFoundError(
        absl::StrCat(result.status().message(), " (is Slurm installed and in PATH?)"));
  }
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("`", CommandText(argv), "` failed: ", SlurmMessage(*result)));
  }
  return result;
}

absl::StatusOr<std::string> SlurmClient::Submit(const std::string& script_path) const {
  std::vector<std::string> argv = {"sbatch", "--parsable", script_path};
  absl::StatusOr<ProgramResult> result = RunSlurm(argv);
  if (!result.ok()) return result.status();
  // --parsable prints "<id>" or "<id>;<cluster>".
  std::string id(absl::StripAsciiWhitespace(result->out));
  id = id.substr(0, id.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InternalError(absl::StrCat("`", CommandText(argv), "` printed no job id: '",
                                            absl::StripAsciiWhitespace(result->out), "'"));
  }
  return id;
}

absl::StatusOr<std::map<std::string, std::string>> SlurmClient::Config() const {
  absl::StatusOr<ProgramResult> config = RunSlurm({"scontrol", "show", "config"});
  if (!config.ok()) return config.status();
  std::map<std::string, std::string> values;
  for (absl::string_view line : absl::StrSplit(config->out, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    absl::string_view key = absl::StripAsciiWhitespace(kv.first);
    if (!key.empty()) {
      values[std::string(key)] = std::string(absl::StripAsciiWhitespace(kv.second));
    }
  }
  return values;
}

absl::StatusOr<std::string> SlurmClient::JobCompLocation() const {
  absl::StatusOr<std::map<std::string, std::string>> config = Config();
  if (!config.ok()) return config.status();
  if ((*config)["JobCompType"] != "jobcomp/filetxt") return std::string();
  return (*config)["JobCompLoc"];
}

absl::StatusOr<int> SlurmClient::MaxArraySize() const {
  absl::StatusOr<std::map<std::string, std::string>> config = Config();
  if (!config.ok()) return config.status();
  auto it = config->find("MaxArraySize");
  if (it == config->end()) return kSlurmDefaultMaxArraySize;
  int size = 0;
  if (!absl::SimpleAtoi(it->second, &size) || size < 0) {
    return absl::InternalError(
        absl::StrCat("`scontrol show config`: MaxArraySize is '", it->second, "', not a number"));
  }
  return size;
}

absl::StatusOr<SlurmJobState> SlurmClient::QueryJob(const std::string& job_id) const {
  // squeue lists finished jobs too (until MinJobAge) when asked for all states.
  absl::StatusOr<ProgramResult> squeue = RunProgram(
      {"squeue", "-h", "--states=all", "-j", job_id, "-o", "%T"}, options_.command_timeout);
  if (!squeue.ok()) return squeue.status();
  if (squeue->exit_code == 0) {
    // A whole array's id lists one line per task (or group of pending tasks):
    // the array is alive while any task is, so an alive state wins.
    std::string state;
    for (absl::string_view line : absl::StrSplit(squeue->out, '\n', absl::SkipWhitespace())) {
      line = absl::StripAsciiWhitespace(line);
      if (state.empty() || (IsAliveSlurmState(line) && !IsAliveSlurmState(state))) {
        state = std::string(line);
      }
    }
    if (!state.empty()) return SlurmJobState{state, "squeue"};
  } else if (!IsInvalidJobId(*squeue)) {
    return absl::UnavailableError(absl::StrCat("`squeue -h --states=all -j ", job_id,
                                               " -o %T` failed: ", SlurmMessage(*squeue)));
  }

  std::vector<std::string> show = {"scontrol", "show", "job", job_id};
  absl::StatusOr<ProgramResult> scontrol = RunProgram(show, options_.command_timeout);
  if (!scontrol.ok()) return scontrol.status();
  if (scontrol->exit_code == 0) {
    std::string state = FieldValue(scontrol->out, "JobState");
    if (!state.empty()) return SlurmJobState{state, "scontrol"};
  } else if (!IsInvalidJobId(*scontrol)) {
    return absl::UnavailableError(
        absl::StrCat("`", CommandText(show), "` failed: ", SlurmMessage(*scontrol)));
  }

  absl::StatusOr<std::string> location = JobCompLocation();
  if (!location.ok()) return location.status();
  if (!location->empty()) {
    std::ifstream records(*location);
    std::string line, state;
    const std::string id_field = absl::StrCat("JobId=", job_id, " ");
    // An array task's record names its array and index; its JobId is its own.
    const std::pair<std::string, std::string> array_task =
        absl::StrSplit(job_id, absl::MaxSplits('_', 1));
    // The last record wins: a requeued job has one per run.
    while (std::getline(records, line)) {
      const bool matches = array_task.second.empty()
                               ? absl::StartsWith(line, id_field)
                               : FieldValue(line, "ArrayJobId") == array_task.first &&
                                     FieldValue(line, "ArrayTaskId") == array_task.second;
      if (matches) state = FieldValue(line, "JobState");
    }
    if (!state.empty()) return SlurmJobState{state, "jobcomp"};
  }
  return absl::NotFoundError(
      absl::StrCat("Slurm knows no job ", job_id, " (not in squeue, scontrol show job",
                   location->empty() ? "" : absl::StrCat(" nor ", *location), ")"));
}

absl::StatusOr<bool> SlurmClient::IsAlive(const std::string& job_id) const {
  absl::StatusOr<SlurmJobState> state = QueryJob(job_id);
  if (absl::IsNotFound(state.status())) return false;
  if (!state.ok()) return state.status();
  return IsAliveSlurmState(state->state);
}

absl::StatusOr<std::vector<std::string>> SlurmClient::FindJobsByName(
    const std::string& name) const {
  // %F: the array's id for an array's tasks, the job's own id otherwise.
  absl::StatusOr<ProgramResult> squeue =
      RunSlurm({"squeue", "-h", "--states=all", absl::StrCat("--name=", name), "-o", "%F"});
  if (!squeue.ok()) return squeue.status();
  std::vector<std::string> ids;
  auto add = [&ids](absl::string_view id) {
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
  };
  for (absl::string_view line : absl::StrSplit(squeue->out, '\n', absl::SkipWhitespace())) {
    add(absl::StripAsciiWhitespace(line));
  }
  if (!ids.empty()) return ids;
  absl::StatusOr<std::string> location = JobCompLocation();
  if (!location.ok()) return location.status();
  if (location->empty()) return ids;
  std::ifstream records(*location);
  std::string line;
  while (std::getline(records, line)) {
    if (FieldValue(line, "Name") != name) continue;
    const std::string array = FieldValue(line, "ArrayJobId");
    add(array.empty() || array == "0" ? FieldValue(line, "JobId") : array);
  }
  return ids;
}

absl::StatusOr<std::map<std::string, std::string>> SlurmClient::QueueStates() const {
  absl::StatusOr<ProgramResult> squeue =
      RunSlurm({"squeue", "-h", "-r", "--states=all", "-o", "%i %T"});
  if (!squeue.ok()) return squeue.status();
  std::map<std::string, std::string> states;
  for (absl::string_view line : absl::StrSplit(squeue->out, '\n', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> id_state =
        absl::StrSplit(absl::StripAsciiWhitespace(line), absl::MaxSplits(' ', 1));
    states[std::string(id_state.first)] = std::string(absl::StripAsciiWhitespace(id_state.second));
  }
  return states;
}

absl::Status SlurmClient::Cancel(const std::string& job_id) const {
  absl::StatusOr<ProgramResult> cancelled = RunSlurm({"scancel", job_id});
  if (!cancelled.ok()) return cancelled.status();
  const Clock::time_point deadline = Clock::now() + options_.cancel_timeout;
  std::string last_state;
  while (true) {
    absl::StatusOr<bool> alive = IsAlive(job_id);
    if (!alive.ok()) return alive.status();
    if (!*alive) return absl::OkStatus();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  absl::StatusOr<SlurmJobState> state = QueryJob(job_id);
  return absl::DeadlineExceededError(absl::StrCat("`scancel ", job_id, "`: job still ",
                                                  state.ok() ? state->state : "alive", " after ",
                                                  options_.cancel_timeout.count() / 1000.0, " s"));
}

absl::Status SlurmClient::CancelMany(const std::vector<std::string>& job_ids) const {
  constexpr size_t kIdsPerCall = 1000;  // far below any command-line limit
  for (size_t start = 0; start < job_ids.size(); start += kIdsPerCall) {
    std::vector<std::string> argv = {"scancel"};
    const size_t end = std::min(job_ids.size(), start + kIdsPerCall);
    argv.insert(argv.end(), job_ids.begin() + start, job_ids.begin() + end);
    absl::StatusOr<ProgramResult> cancelled = RunSlurm(argv);
    if (!cancelled.ok()) return cancelled.status();
  }
  const Clock::time_point deadline = Clock::now() + options_.cancel_timeout;
  while (true) {
    absl::StatusOr<std::map<std::string, std::string>> states = QueueStates();
    if (!states.ok()) return states.status();
    size_t alive = 0;
    for (const std::string& id : job_ids) {
      auto it = states->find(id);
      if (it != states->end() && IsAliveSlurmState(it->second)) ++alive;
    }
    if (alive == 0) return absl::OkStatus();
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("scancel of ", job_ids.size(), " job(s): ", alive, " still alive after ",
                       options_.cancel_timeout.count() / 1000.0, " s"));
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

absl::Status SlurmClient::Signal(const std::string& job_id, const std::string& signal) const {
  return RunSlurm({"scancel", absl::StrCat("--signal=", signal), "--full", job_id}).status();
}

absl::Status SlurmClient::Requeue(const std::string& job_id) const {
  return RunSlurm({"scontrol", "requeue", job_id}).status();
}

}  // namespace heyhi
