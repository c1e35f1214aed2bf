// Grid files and --sweep command lines expanded into members (SPEC §12).
#include "heyhi/config/grid_spec.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "heyhi/base/files.h"
#include "heyhi/base/hash.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/sweep.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {
namespace {

constexpr char kGridsFolder[] = "grids";
constexpr char kGridExtension[] = ".prototxt";

std::string GridsConfRoot() {
  const char* env = std::getenv("HH_CONF_ROOT");
  return AbsolutePath(env != nullptr && *env != '\0' ? env : "conf");
}

// The line of the first value written inside element `index` of the
// top-level field `field` (0 when the text holds none).
int LineOf(const std::vector<FieldLocation>& locations, const std::string& field, int index) {
  for (const FieldLocation& location : locations) {
    if (location.path.empty()) continue;
    const PathStep& step = location.path.front();
    if (step.field != nullptr && step.field->name() == field &&
        (step.kind != PathStep::Kind::kElement || step.index == index)) {
      return location.line;
    }
  }
  return 0;
}

// What a grid passes down to its sub-grids and included grids.
struct Inherited {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<std::string> launcher;
  std::vector<std::string> metrics;
  int array_parallelism = 256;
  bool parallelism_set = false;
};

class GridExpander {
 public:
  explicit GridExpander(GridSpec* spec) : spec_(spec) {}

  absl::Status ExpandFile(const std::string& path, const Inherited& parent, int depth) {
    if (depth > kMaxGridDepth) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": grids include each other more than ",
                                                     kMaxGridDepth, " deep (the limit)"));
    }
    if (std::find(chain_.begin(), chain_.end(), path) != chain_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("grid include cycle: ", absl::StrJoin(chain_, " -> "), " -> ", path));
    }
    Grid grid;
    std::vector<FieldLocation> locations;
    absl::Status parsed =
        ParseTextFile(path, ParentDir(FindConfRoot(path)), &grid, &locations, DisplayPath(path));
    if (!parsed.ok()) return parsed;
    chain_.push_back(path);
    absl::Status expanded = ExpandGrid(grid, path, locations, parent, depth, "");
    chain_.pop_back();
    return expanded;
  }

  absl::Status ExpandGrid(const Grid& grid, const std::string& file,
                          const std::vector<FieldLocation>& locations, const Inherited& parent,
                          int depth, const std::string& where) {
    const std::string shown = DisplayPath(file);
    auto at = [&](const std::string& field, int index) {
      const int line = where.empty() ? LineOf(locations, field, index) : 0;
      return line > 0 ? absl::StrCat(shown, ":", line)
                      : absl::StrCat(shown, where.empty() ? "" : ": ", where, " ", field, " ",
                                     index + 1);
    };
    Inherited mine = parent;
    if (grid.has_config()) {
      absl::StatusOr<std::string> config = ResolveConfig(grid.config(), file);
      if (!config.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at("config", 0), ": ", config.status().message()));
      }
      mine.config = *config;
    }
    mine.overrides.insert(mine.overrides.end(), grid.overrides().begin(), grid.overrides().end());
    if (grid.launcher_size() > 0) {
      mine.launcher.assign(grid.launcher().begin(), grid.launcher().end());
    }
    if (grid.metrics_size() > 0) mine.metrics.assign(grid.metrics().begin(), grid.metrics().end());
    if (grid.has_array_parallelism()) {
      if (grid.array_parallelism() < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(at("array_parallelism", 0), ": array_parallelism must be at least 1"));
      }
      mine.array_parallelism = grid.array_parallelism();
      mine.parallelism_set = true;
    }
    // The grid's own settings, else those of the first grid below it that
    // has them.
    if (spec_->metrics.empty()) spec_->metrics = mine.metrics;
    if (depth == 0 || (mine.parallelism_set && !parallelism_chosen_)) {
      spec_->array_parallelism = mine.array_parallelism;
      parallelism_chosen_ = mine.parallelism_set;
    }

    const bool has_own = grid.axis_size() > 0 || grid.zip_size() > 0 || grid.xp_size() > 0;
    const bool has_children = grid.grid_size() > 0 || grid.include_size() > 0;
    if (has_own || !has_children) {
      if (mine.config.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            shown, ": the grid names no config (config: \"c02_sup_train/sl.prototxt\")"));
      }
      // Each dimension is one axis, or one zip whose members are tuples.
      std::vector<SweepAxis> dimensions;
      const IncludeGlob glob = IncludeGlobFor(mine.config);
      for (int i = 0; i < grid.axis_size(); ++i) {
        absl::StatusOr<SweepAxis> axis = ReadAxis(grid.axis(i), glob);
        if (!axis.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(at("axis", i), ": ", axis.status().message()));
        }
        dimensions.push_back(std::move(*axis));
      }
      for (int z = 0; z < grid.zip_size(); ++z) {
        absl::StatusOr<SweepAxis> zipped = ReadZip(grid.zip(z), glob);
        if (!zipped.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(at("zip", z), ": ", zipped.status().message()));
        }
        dimensions.push_back(std::move(*zipped));
      }
      absl::StatusOr<std::vector<std::vector<std::string>>> product = SweepProduct(dimensions);
      if (!product.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(shown, ": ", product.status().message()));
      }
      const int xps = std::max(1, grid.xp_size());
      for (int x = 0; x < xps; ++x) {
        const std::string origin = grid.xp_size() > 0 ? at("xp", x) : at("axis", 0);
        for (const std::vector<std::string>& values : *product) {
          GridMember member;
          member.config = mine.config;
          member.overrides = mine.overrides;
          if (grid.xp_size() > 0) {
            member.overrides.insert(member.overrides.end(), grid.xp(x).overrides().begin(),
                                    grid.xp(x).overrides().end());
          }
          for (const std::string& value : values) {
            // A zip's value holds its tuple as tokens joined by '\n'.
            for (absl::string_view token : absl::StrSplit(value, '\n')) {
              member.overrides.emplace_back(token);
            }
          }
          member.overrides.insert(member.overrides.end(), mine.launcher.begin(),
                                  mine.launcher.end());
          member.origin = origin;
          spec_->members.push_back(std::move(member));
          if (spec_->members.size() > kMaxSweepMembers) {
            return absl::InvalidArgumentError(absl::StrCat(shown, ": more than ", kMaxSweepMembers,
                                                           " members (the limit); split the grid"));
          }
        }
      }
    }
    for (int g = 0; g < grid.grid_size(); ++g) {
      if (depth + 1 > kMaxGridDepth) {
        return absl::InvalidArgumentError(
            absl::StrCat(shown, ": sub-grids nest more than ", kMaxGridDepth, " deep (the limit)"));
      }
      const std::string inner = absl::StrCat(where.empty() ? "" : where + " ", "grid ", g + 1);
      absl::Status status = ExpandGrid(grid.grid(g), file, locations, mine, depth + 1, inner);
      if (!status.ok()) return status;
    }
    for (int i = 0; i < grid.include_size(); ++i) {
      absl::StatusOr<std::string> included = ResolveIncludedGrid(grid.include(i), file);
      if (!included.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at("include", i), ": ", included.status().message()));
      }
      absl::Status status = ExpandFile(*included, mine, depth + 1);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  static absl::StatusOr<SweepAxis> ReadAxis(const GridAxis& axis, const IncludeGlob& glob) {
    if (axis.key().empty()) return absl::InvalidArgumentError("the axis has no key");
    SweepAxis out;
    out.key = axis.key();
    for (const std::string& value : axis.values()) {
      out.tokens.push_back(absl::StrCat(axis.key(), "=", value));
    }
    if (axis.has_sweep()) {
      absl::StatusOr<std::vector<std::string>> values =
          ExpandSweepValues(axis.key(), axis.sweep(), glob);
      if (!values.ok()) return values.status();
      for (const std::string& value : *values) {
        out.tokens.push_back(absl::StrCat(axis.key(), "=", value));
      }
    }
    if (out.tokens.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "axis \"", axis.key(), "\" has no values (values: \"a\" or sweep: \"a,b\")"));
    }
    return out;
  }

  // A zip as one dimension: value i joins the tokens of value i of every axis.
  static absl::StatusOr<SweepAxis> ReadZip(const GridZip& zip, const IncludeGlob& glob) {
    if (zip.axis_size() == 0) return absl::InvalidArgumentError("the zip has no axis");
    SweepAxis out;
    std::vector<SweepAxis> axes;
    for (const GridAxis& axis : zip.axis()) {
      absl::StatusOr<SweepAxis> read = ReadAxis(axis, glob);
      if (!read.ok()) return read.status();
      if (!axes.empty() && read->tokens.size() != axes.front().tokens.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "zip axes must have the same number of values: \"", axes.front().key, "\" has ",
            axes.front().tokens.size(), ", \"", read->key, "\" has ", read->tokens.size()));
      }
      out.key = absl::StrCat(out.key, out.key.empty() ? "" : "+", read->key);
      axes.push_back(std::move(*read));
    }
    for (size_t i = 0; i < axes.front().tokens.size(); ++i) {
      std::vector<std::string> tuple;
      for (const SweepAxis& axis : axes) tuple.push_back(axis.tokens[i]);
      out.tokens.push_back(absl::StrJoin(tuple, "\n"));
    }
    return out;
  }

  // A grid's config: absolute; else under the conf root, the project root,
  // the grid file's folder or the working directory, the first that exists.
  static absl::StatusOr<std::string> ResolveConfig(const std::string& config,
                                                   const std::string& grid_file) {
    if (!config.empty() && config.front() == '/') {
      if (IsRegularFile(config)) return config;
      return absl::NotFoundError(absl::StrCat("config \"", config, "\" is no file"));
    }
    const std::string conf_root = FindConfRoot(grid_file);
    std::vector<std::string> tried;
    for (const std::string& base :
         {conf_root, ParentDir(conf_root), ParentDir(grid_file), CurrentDir()}) {
      const std::string candidate = AbsolutePath(config, base);
      if (IsRegularFile(candidate)) return candidate;
      if (std::find(tried.begin(), tried.end(), base) == tried.end()) tried.push_back(base);
    }
    return absl::NotFoundError(absl::StrCat("config \"", config, "\" is found under none of ",
                                            absl::StrJoin(tried, ", ")));
  }

  static absl::StatusOr<std::string> ResolveIncludedGrid(const std::string& include,
                                                         const std::string& grid_file) {
    std::string name = include;
    if (!absl::EndsWith(name, kGridExtension)) name += kGridExtension;
    if (!name.empty() && name.front() == '/') {
      if (IsRegularFile(name)) return name;
    } else {
      for (const std::string& base :
           {ParentDir(grid_file), absl::StrCat(FindConfRoot(grid_file), "/", kGridsFolder)}) {
        const std::string candidate = AbsolutePath(name, base);
        if (IsRegularFile(candidate)) return candidate;
      }
    }
    return absl::NotFoundError(
        absl::StrCat("included grid \"", include, "\" is neither next to this file nor in ",
                     absl::StrCat(FindConfRoot(grid_file), "/", kGridsFolder)));
  }

  GridSpec* spec_;
  bool parallelism_chosen_ = false;
  std::vector<std::string> chain_;
};

}  // namespace

absl::StatusOr<std::string> FindGridFile(const std::string& name_or_file) {
  if (IsRegularFile(name_or_file)) return AbsolutePath(name_or_file);
  const std::string folder = absl::StrCat(GridsConfRoot(), "/", kGridsFolder);
  std::string name = name_or_file;
  if (!absl::EndsWith(name, kGridExtension)) name += kGridExtension;
  const std::string candidate = absl::StrCat(folder, "/", name);
  if (IsRegularFile(candidate)) return candidate;
  const std::vector<std::string> names = PrototxtNamesIn(folder);
  return absl::NotFoundError(absl::StrCat(
      "no grid \"", name_or_file, "\": neither a file nor ", DisplayPath(candidate), "; grids in ",
      DisplayPath(folder), ": ", names.empty() ? "(none)" : absl::StrJoin(names, ", ")));
}

absl::StatusOr<GridSpec> LoadGridFile(const std::string& path) {
  GridSpec spec;
  spec.file = AbsolutePath(path);
  absl::string_view stem = spec.file;
  stem.remove_prefix(stem.rfind('/') + 1);
  absl::ConsumeSuffix(&stem, kGridExtension);
  spec.name = std::string(stem);
  GridExpander expander(&spec);
  absl::Status status = expander.ExpandFile(spec.file, Inherited(), 0);
  if (!status.ok()) return status;
  return spec;
}

absl::StatusOr<GridSpec> SweepGrid(const std::string& config,
                                   const std::vector<std::string>& tokens) {
  GridSpec spec;
  const std::string config_path = AbsolutePath(config);
  const IncludeGlob glob = IncludeGlobFor(config_path);
  std::vector<SweepAxis> axes;
  for (const std::string& token : tokens) {
    absl::StatusOr<SweepAxis> axis = ParseSweepToken(token, glob);
    if (!axis.ok()) return axis.status();
    axes.push_back(std::move(*axis));
  }
  absl::StatusOr<std::vector<std::vector<std::string>>> product = SweepProduct(axes);
  if (!product.ok()) return product.status();
  for (std::vector<std::string>& overrides : *product) {
    spec.members.push_back({config_path, std::move(overrides), "--sweep"});
  }
  std::string identity = config_path;
  for (const std::string& token : tokens) absl::StrAppend(&identity, "\n", token);
  spec.name = absl::StrCat("sweep_", Sha256Hex(identity).substr(0, 8));
  return spec;
}

}  // namespace heyhi
