// Composing, signing and naming a grid's members; their table rows.
#include "heyhi/cli/grid_members.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/files.h"
#include "heyhi/base/parallel.h"
#include "heyhi/cli/xp_setup.h"
#include "heyhi/config.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"

namespace heyhi {
namespace {

// When the member's logs last changed: run.log, the grid's log of its `run`
// and, for a Slurm job, the files of its slurm/ folder (0: none exists).
int64_t LatestLogChange(const std::string& exp_dir, const std::string& grid_log) {
  int64_t latest =
      std::max(ModifiedTime(absl::StrCat(exp_dir, "/", kRunLogFile)), ModifiedTime(grid_log));
  const std::string slurm = absl::StrCat(exp_dir, "/slurm");
  DIR* dir = opendir(slurm.c_str());
  if (dir == nullptr) return latest;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    latest = std::max(latest, ModifiedTime(absl::StrCat(slurm, "/", entry->d_name)));
  }
  closedir(dir);
  return latest;
}

std::vector<std::string> Links(const std::string& folder) {
  std::vector<std::string> names;
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_type == DT_LNK) names.emplace_back(entry->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadLink(const std::string& path) {
  char buffer[4096];
  const ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer));
  return n <= 0 ? "" : std::string(buffer, static_cast<size_t>(n));
}

// The rows' short names: the tokens not every member has.
void NameMembers(ComposedGrid* grid) {
  if (grid->xps.empty()) return;
  std::map<std::string, size_t> count;
  for (const GridXpInfo& xp : grid->xps) {
    std::set<std::string> unique(xp.def.overrides.begin(), xp.def.overrides.end());
    for (const std::string& token : unique) ++count[token];
  }
  std::set<std::string> shared;
  for (const std::string& token : grid->xps.front().def.overrides) {
    if (count[token] == grid->xps.size() && shared.insert(token).second) {
      grid->shared.push_back(token);
    }
  }
  for (GridXpInfo& xp : grid->xps) {
    std::vector<std::string> own;
    for (const std::string& token : xp.def.overrides) {
      if (shared.count(token) == 0) own.push_back(token);
    }
    xp.name = absl::StrJoin(own, " ");
  }
}

// One member composed, signed and named (or why not), before folding.
struct ComposedMember {
  std::string error;
  std::string sig;
  std::string exp_dir;
  bool on_slurm = false;
  SlurmLauncher slurm;
  std::vector<std::string> slurm_from_env;
};

ComposedMember ComposeMember(const GridMember& member, const LoadOptions& options,
                             const ActiveEnv& env) {
  const std::string& exp_root = env.active_cluster().exp_dir();
  ComposedMember out;
  absl::StatusOr<Composed> composed = LoadConfig(member.config, member.overrides, options);
  absl::Status status = composed.status();
  absl::StatusOr<ExpIdFields> fields = absl::UnknownError("not composed");
  absl::StatusOr<std::string> exp_dir = absl::UnknownError("not named");
  absl::StatusOr<LaunchPlan> plan = absl::UnknownError("not planned");
  if (status.ok()) {
    fields = ExpIdFieldsFor(*composed, member.overrides, /*adhoc=*/false);
    status = fields.status();
  }
  if (status.ok()) {
    exp_dir = ExpDirFor(*fields, "", exp_root);
    status = exp_dir.status();
  }
  if (status.ok()) {
    plan = PlanLaunch(*composed->task, &env);
    status = plan.status();
  }
  if (!status.ok()) {
    out.error = std::string(status.message());
    return out;
  }
  out.sig = fields->sig;
  out.exp_dir = *exp_dir;
  if (plan->kind == LauncherKind::kSlurm) {
    out.on_slurm = true;
    out.slurm = plan->slurm;
    out.slurm_from_env = plan->slurm_from_env;
  }
  return out;
}

}  // namespace

ComposedGrid ComposeGrid(const GridSpec& spec, const google::protobuf::Descriptor* root_type,
                         const ActiveEnv& env) {
  LoadOptions options;
  options.root_type = root_type;
  options.with_provenance = false;  // members are signed and named, never explained
  // Members are independent: compose them on every core, fold them in order.
  std::vector<ComposedMember> composed(spec.members.size());
  ParallelFor(spec.members.size(), std::thread::hardware_concurrency(), /*min_per_thread=*/64,
              [&](size_t i) { composed[i] = ComposeMember(spec.members[i], options, env); });

  ComposedGrid grid;
  std::map<std::string, size_t> by_sig;
  for (size_t i = 0; i < spec.members.size(); ++i) {
    const GridMember& member = spec.members[i];
    ComposedMember& result = composed[i];
    const std::string label =
        absl::StrCat("member ", i + 1, " (", member.origin, ": ",
                     member.overrides.empty() ? std::string("no overrides")
                                              : absl::StrJoin(member.overrides, " "),
                     ")");
    if (!result.error.empty()) {
      grid.errors.push_back(absl::StrCat(label, ": ", result.error));
      continue;
    }
    auto [it, inserted] = by_sig.emplace(result.sig, grid.xps.size());
    if (!inserted) {
      grid.folded.push_back(absl::StrCat(label, " composes to the config of member ",
                                         it->second + 1, " (sig ", result.sig, "): one XP"));
      continue;
    }
    GridXpInfo xp;
    xp.def = member;
    xp.sig = std::move(result.sig);
    xp.exp_dir = std::move(result.exp_dir);
    xp.on_slurm = result.on_slurm;
    xp.slurm = std::move(result.slurm);
    xp.slurm_from_env = std::move(result.slurm_from_env);
    grid.xps.push_back(std::move(xp));
  }
  NameMembers(&grid);
  return grid;
}

std::string GridFolder(const std::string& exp_root, const std::string& name) {
  return absl::StrCat(exp_root, "/grids/", name);
}

std::string GridMemberLog(const std::string& grid_folder, const std::string& sig) {
  return absl::StrCat(grid_folder, "/logs/", sig, ".log");
}

std::vector<std::pair<std::string, std::string>> DroppedMembers(const std::string& grid_folder,
                                                                const ComposedGrid& grid) {
  std::set<std::string> sigs;
  for (const GridXpInfo& xp : grid.xps) sigs.insert(xp.sig);
  std::vector<std::pair<std::string, std::string>> dropped;
  for (const std::string& sig : Links(grid_folder)) {
    if (sigs.count(sig) == 0)
      dropped.emplace_back(sig, ReadLink(absl::StrCat(grid_folder, "/", sig)));
  }
  return dropped;
}

bool LinkedByOtherGrid(const std::string& exp_root, const std::string& grid_name,
                       const std::string& sig) {
  const std::string grids = absl::StrCat(exp_root, "/grids");
  DIR* dir = opendir(grids.c_str());
  if (dir == nullptr) return false;
  bool linked = false;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || name == grid_name) continue;
    struct stat st;
    if (lstat(absl::StrCat(grids, "/", name, "/", sig).c_str(), &st) == 0) linked = true;
  }
  closedir(dir);
  return linked;
}

XpStatus MemberStatus(const std::string& exp_dir, BatchedJobProbe& probe) {
  return ExpDir(exp_dir, exp_dir).Status([&probe](const std::string& job_id) {
    return probe.IsAlive(job_id);
  });
}

std::string LastLines(const std::string& path, int lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 8192);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t start = text.size();
  for (int i = 0; i < lines && start != std::string::npos && start > 0; ++i) {
    start = text.rfind('\n', start - 1);
  }
  return start == std::string::npos ? text : text.substr(start + 1);
}

GridTable BuildGridTable(const GridSpec& spec, const ComposedGrid& grid,
                         const std::vector<std::pair<std::string, std::string>>& dropped,
                         const std::string& grid_folder, BatchedJobProbe& probe) {
  GridTable table;
  table.grid_name = spec.name;
  table.shared = grid.shared;
  table.metric_names = spec.metrics;
  const int64_t now = UnixNow();
  auto fill = [&](GridTable::Row* row, const std::string& exp_dir) {
    ExpDir dir(exp_dir, exp_dir);
    absl::StatusOr<std::string> job_id = dir.JobId();
    if (job_id.ok()) row->job_id = *job_id;
    absl::StatusOr<MetricsLine> last = LastMetrics(dir.File(kMetricsFile));
    row->metrics.assign(spec.metrics.size(), std::nullopt);
    if (last.ok()) {
      auto epoch = last->values.find("epoch");
      if (epoch != last->values.end()) row->epoch = epoch->second;
      for (size_t m = 0; m < spec.metrics.size(); ++m) {
        auto value = last->values.find(spec.metrics[m]);
        if (value != last->values.end()) row->metrics[m] = value->second;
      }
    }
    const int64_t changed = LatestLogChange(exp_dir, GridMemberLog(grid_folder, row->sig));
    if (changed > 0) row->log_age_s = std::max<int64_t>(0, now - changed);
  };
  for (size_t i = 0; i < grid.xps.size(); ++i) {
    const GridXpInfo& xp = grid.xps[i];
    GridTable::Row row;
    row.index = static_cast<int>(i);
    row.name = xp.name;
    row.sig = xp.sig;
    row.exp_dir = xp.exp_dir;
    const XpStatus status = MemberStatus(xp.exp_dir, probe);
    row.status = XpStatusName(status);
    fill(&row, xp.exp_dir);
    if (status == XpStatus::kDead) {
      std::string log = LastLines(GridMemberLog(grid_folder, xp.sig), 3);
      if (log.empty()) log = LastLines(ExpDir(xp.exp_dir, xp.exp_dir).File(kRunLogFile), 3);
      row.error = log;
    }
    table.rows.push_back(std::move(row));
  }
  for (const auto& [sig, exp_dir] : dropped) {
    GridTable::Row row;
    row.index = static_cast<int>(table.rows.size());
    row.sig = sig;
    row.exp_dir = exp_dir;
    row.status = "DROPPED";
    absl::StatusOr<XpRecord> record = ReadXpRecord(ExpDir(exp_dir, exp_dir));
    if (record.ok()) row.name = absl::StrJoin(record->overrides(), " ");
    fill(&row, exp_dir);
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace heyhi
