// Slurm's command-line programs run as programs with an argv; failures as absl::Status.
#include "heyhi/launch/slurm/client.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

bool IsInvalidJobId(const ProgramResult& result) {
  return absl::StrContains(result.err, "Invalid job id") ||
         absl::StrContains(result.out, "Invalid job id");
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

absl::StatusOr<std::string> SlurmClient::JobCompLocation() const {
  absl::StatusOr<ProgramResult> config = RunSlurm({"scontrol", "show", "config"});
  if (!config.ok()) return config.status();
  std::string type, location;
  for (absl::string_view line : absl::StrSplit(config->out, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    absl::string_view key = absl::StripAsciiWhitespace(kv.first);
    if (key == "JobCompType") type = std::string(absl::StripAsciiWhitespace(kv.second));
    if (key == "JobCompLoc") location = std::string(absl::StripAsciiWhitespace(kv.second));
  }
  if (type != "jobcomp/filetxt") return std::string();
  return location;
}

absl::StatusOr<SlurmJobState> SlurmClient::QueryJob(const std::string& job_id) const {
  // squeue lists finished jobs too (until MinJobAge) when asked for all states.
  absl::StatusOr<ProgramResult> squeue = RunProgram(
      {"squeue", "-h", "--states=all", "-j", job_id, "-o", "%T"}, options_.command_timeout);
  if (!squeue.ok()) return squeue.status();
  if (squeue->exit_code == 0) {
    std::string state(absl::StripAsciiWhitespace(squeue->out));
    state = state.substr(0, state.find('\n'));
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
    // The last record wins: a requeued job has one per run.
    while (std::getline(records, line)) {
      if (absl::StartsWith(line, id_field)) state = FieldValue(line, "JobState");
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

absl::StatusOr<std::map<std::string, std::string>> SlurmClient::QueueStates() const {
  absl::StatusOr<ProgramResult> squeue = RunSlurm({"squeue", "-h", "--states=all", "-o", "%i %T"});
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

absl::Status SlurmClient::Signal(const std::string& job_id, const std::string& signal) const {
  return RunSlurm({"scancel", absl::StrCat("--signal=", signal), "--full", job_id}).status();
}

absl::Status SlurmClient::Requeue(const std::string& job_id) const {
  return RunSlurm({"scontrol", "requeue", job_id}).status();
}

}  // namespace heyhi
