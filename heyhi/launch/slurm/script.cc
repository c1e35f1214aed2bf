// The sbatch script of a Slurm-launched experiment: SPEC §7's resource mapping.
#include "heyhi/launch/slurm/script.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/launch/slurm/preemption.h"

namespace heyhi {
namespace {

constexpr int kGpusPerNode = 8;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("launcher.slurm.", field, ": ", why));
}

// sbatch reads an #SBATCH line up to its end and strips one pair of double
// quotes; nothing else escapes. So a value may hold neither a newline nor '"'.
absl::Status CheckSbatchValue(absl::string_view field, absl::string_view value) {
  for (char c : value) {
    if (c == '"' || c == '\n' || c == '\r' || c == '\0') {
      return Invalid(field, absl::StrCat("'", absl::CEscape(value),
                                         "' holds a double quote or a line break; an "
                                         "#SBATCH line cannot carry those"));
    }
  }
  return absl::OkStatus();
}

// One entry of sbatch_args or srun_args: a single option, on one line.
absl::Status CheckOption(absl::string_view name, absl::string_view arg) {
  if (arg.empty() || arg[0] != '-') {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": '", absl::CEscape(arg),
                     "' is not an option; give one option per entry, such as "
                     "\"--mail-type=END\""));
  }
  if (arg.find_first_of(absl::string_view("\n\r\0", 3)) != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": '", absl::CEscape(arg), "' holds a line break; give one option per entry"));
  }
  return absl::OkStatus();
}

// The option as a word of an #SBATCH line.
std::string SbatchWord(absl::string_view arg) {
  if (arg.find_first_of(" \t#'") == absl::string_view::npos) return std::string(arg);
  return absl::StrCat("\"", arg, "\"");
}

// "USR2@90", "SIGUSR1@120", "B:USR2@90" (B: sends to the batch shell only).
// The signal's name is PreemptionSignalNumber's to check: the worker must be
// able to catch it, or preemption would kill the job unsaved.
absl::Status CheckSignal(absl::string_view signal) {
  const size_t at = signal.find('@');
  int seconds = 0;
  if (at == absl::string_view::npos || !absl::SimpleAtoi(signal.substr(at + 1), &seconds) ||
      seconds < 0 || seconds > 65535) {
    return Invalid("signal", absl::StrCat("'", absl::CEscape(signal),
                                          "' is not SIG@SECONDS (e.g. \"USR2@90\", "
                                          "\"USR1@120\", \"B:USR2@90\"; empty for none)"));
  }
  return PreemptionSignalNumber(signal).status();
}

// Time limit as H:MM:SS, rounded up to a whole second (Slurm then rounds to minutes).
absl::StatusOr<std::string> TimeLimit(float hours) {
  if (!(hours > 0) || !std::isfinite(hours)) {
    return Invalid("hours", absl::StrCat(hours, " is not a positive number of hours"));
  }
  long long seconds = static_cast<long long>(std::ceil(static_cast<double>(hours) * 3600.0));
  return absl::StrFormat("%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
}

}  // namespace

absl::Status CheckSrunArg(absl::string_view where, int index, absl::string_view arg) {
  return CheckOption(absl::StrCat(where, "srun_args[", index, "]"), arg);
}

absl::Status CheckSbatchArg(absl::string_view where, int index, absl::string_view arg) {
  const std::string name = absl::StrCat(where, "sbatch_args[", index, "]");
  if (absl::Status s = CheckOption(name, arg); !s.ok()) return s;
  if (arg.find_first_of("\"\\") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": '", absl::CEscape(arg),
                     "' holds a double quote or a backslash; an #SBATCH line cannot carry those"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SlurmJobShape> ComputeSlurmJobShape(const SlurmLauncher& slurm) {
  SlurmJobShape shape;
  const int num_gpus = slurm.num_gpus();
  if (num_gpus < 0) return Invalid("num_gpus", absl::StrCat(num_gpus, " is negative"));
  if (num_gpus == 0) {
    if (slurm.tasks() < 1) {
      return Invalid("tasks", absl::StrCat(slurm.tasks(), " tasks; a CPU job needs at least 1"));
    }
    if (slurm.cpus_per_task() < 1) {
      return Invalid("cpus_per_task", absl::StrCat(slurm.cpus_per_task(), "; needs at least 1"));
    }
    if (slurm.mem_mb() < 0) return Invalid("mem_mb", absl::StrCat(slurm.mem_mb(), " is negative"));
    shape.tasks_per_node = slurm.tasks();
    shape.cpus_per_task = slurm.cpus_per_task();
    shape.mem_mb_per_node = slurm.mem_mb();
    return shape;
  }
  if (num_gpus > kGpusPerNode && num_gpus % kGpusPerNode != 0) {
    return Invalid("num_gpus",
                   absl::StrCat(num_gpus, " GPUs do not fill whole nodes: use at most ",
                                kGpusPerNode, " (one node) or a multiple of ", kGpusPerNode,
                                " (e.g. ", num_gpus / kGpusPerNode * kGpusPerNode, " or ",
                                (num_gpus / kGpusPerNode + 1) * kGpusPerNode, ")"));
  }
  if (slurm.cpus_per_gpu() < 1) {
    return Invalid("cpus_per_gpu", absl::StrCat(slurm.cpus_per_gpu(), "; needs at least 1"));
  }
  if (slurm.mem_per_gpu() < 0) {
    return Invalid("mem_per_gpu", absl::StrCat(slurm.mem_per_gpu(), " is negative"));
  }
  shape.nodes = num_gpus > kGpusPerNode ? num_gpus / kGpusPerNode : 1;
  shape.gpus_per_node = num_gpus > kGpusPerNode ? kGpusPerNode : num_gpus;
  shape.tasks_per_node = slurm.single_task_per_node() ? 1 : shape.gpus_per_node;
  shape.cpus_per_task = slurm.cpus_per_gpu() * shape.gpus_per_node / shape.tasks_per_node;
  shape.mem_mb_per_node = 1024LL * slurm.mem_per_gpu() * shape.gpus_per_node;
  return shape;
}

std::string EscapeFilenamePattern(absl::string_view path) {
  return absl::StrReplaceAll(path, {{"%", "%%"}});
}

absl::StatusOr<std::string> MakeSbatchHeader(const SlurmLauncher& slurm,
                                             const SbatchJobOptions& options) {
  absl::StatusOr<SlurmJobShape> shape = ComputeSlurmJobShape(slurm);
  if (!shape.ok()) return shape.status();
  for (const auto& [field, value] :
       {std::pair<absl::string_view, absl::string_view>{"partition", slurm.partition()},
        {"comment", slurm.comment()},
        {"constraint", slurm.constraint()},
        {"account", slurm.account()},
        {"qos", slurm.qos()},
        {"exclude", slurm.exclude()}}) {
    if (absl::Status s = CheckSbatchValue(field, value); !s.ok()) return s;
  }
  for (const auto& [what, value] :
       {std::pair<absl::string_view, absl::string_view>{"(job name)", options.job_name},
        {"(array)", options.array},
        {"(output)", options.output},
        {"(error)", options.error}}) {
    if (absl::Status s = CheckSbatchValue(what, value); !s.ok()) return s;
  }
  if (options.job_name.empty() || options.output.empty() || options.error.empty()) {
    return absl::InvalidArgumentError("an sbatch script needs a job name, an output and an error");
  }
  for (int i = 0; i < slurm.sbatch_args_size(); ++i) {
    if (absl::Status s = CheckSbatchArg("launcher.slurm.", i, slurm.sbatch_args(i)); !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < slurm.srun_args_size(); ++i) {
    if (absl::Status s = CheckSrunArg("launcher.slurm.", i, slurm.srun_args(i)); !s.ok()) return s;
  }
  if (!slurm.signal().empty()) {
    if (absl::Status s = CheckSignal(slurm.signal()); !s.ok()) return s;
  }
  absl::StatusOr<std::string> time_limit = TimeLimit(slurm.hours());
  if (!time_limit.ok()) return time_limit.status();

  std::string s = "#!/bin/bash\n";
  auto line = [&s](absl::string_view option) { absl::StrAppend(&s, "#SBATCH ", option, "\n"); };
  line(absl::StrCat("--job-name=", options.job_name));
  if (!options.array.empty()) line(absl::StrCat("--array=", options.array));
  if (!slurm.partition().empty()) line(absl::StrCat("--partition=", slurm.partition()));
  line(absl::StrCat("--nodes=", shape->nodes));
  line(absl::StrCat("--ntasks-per-node=", shape->tasks_per_node));
  line(absl::StrCat("--cpus-per-task=", shape->cpus_per_task));
  if (shape->gpus_per_node > 0) line(absl::StrCat("--gres=gpu:", shape->gpus_per_node));
  if (shape->mem_mb_per_node > 0) {
    if (shape->mem_mb_per_node % 1024 == 0) {
      line(absl::StrCat("--mem=", shape->mem_mb_per_node / 1024, "G"));
    } else {
      line(absl::StrCat("--mem=", shape->mem_mb_per_node, "M"));
    }
  }
  line(absl::StrCat("--time=", *time_limit));
  if (!slurm.constraint().empty()) line(absl::StrCat("--constraint=", slurm.constraint()));
  if (!slurm.account().empty()) line(absl::StrCat("--account=", slurm.account()));
  if (!slurm.qos().empty()) line(absl::StrCat("--qos=", slurm.qos()));
  if (!slurm.exclude().empty()) line(absl::StrCat("--exclude=", slurm.exclude()));
  if (!slurm.comment().empty()) line(absl::StrCat("--comment=\"", slurm.comment(), "\""));
  if (!slurm.signal().empty()) line(absl::StrCat("--signal=", slurm.signal()));
  line("--requeue");
  line("--open-mode=append");
  line(absl::StrCat("--output=\"", options.output, "\""));
  line(absl::StrCat("--error=\"", options.error, "\""));
  for (const std::string& arg : slurm.sbatch_args()) line(SbatchWord(arg));
  return s;
}

std::string WorkerLaunchLines(const SlurmLauncher& slurm, absl::string_view binary,
                              absl::string_view exp_dir_word) {
  std::string srun_args;
  for (const std::string& arg : slurm.srun_args())
    absl::StrAppend(&srun_args, ShellQuote(arg), " ");
  return absl::StrCat(
      "\n# The ranks' rendezvous port: one per job, the same on every node and\n"
      "# after a requeue, below Linux's ephemeral ports (32768 and up).\n",
      "export MASTER_PORT=$((10000 + SLURM_JOB_ID % 20000))\n",
      "\n# Every task runs the worker, which reads the composed config from the exp dir.\n",
      "exec srun --unbuffered --kill-on-bad-exit=1 ", srun_args, ShellQuote(binary), " --worker ",
      exp_dir_word, "\n");
}

absl::StatusOr<std::string> MakeSbatchScript(const SlurmLauncher& slurm, absl::string_view exp_dir,
                                             absl::string_view binary) {
  if (absl::Status shape = ComputeSlurmJobShape(slurm).status(); !shape.ok()) return shape;
  if (exp_dir.empty() || exp_dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("exp dir '", exp_dir, "' must be an absolute path (the job runs elsewhere)"));
  }
  if (absl::Status s = CheckSbatchValue("(exp dir)", exp_dir); !s.ok()) return s;
  const std::string log_dir = EscapeFilenamePattern(absl::StrCat(exp_dir, "/slurm"));
  SbatchJobOptions options;
  options.output = absl::StrCat(log_dir, "/%j.out");
  options.error = absl::StrCat(log_dir, "/%j.err");
  absl::StatusOr<std::string> header = MakeSbatchHeader(slurm, options);
  if (!header.ok()) return header.status();
  return absl::StrCat(*header, WorkerLaunchLines(slurm, binary, ShellQuote(exp_dir)));
}

}  // namespace heyhi
