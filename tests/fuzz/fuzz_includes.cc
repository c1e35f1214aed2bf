// libFuzzer target: include resolution over a generated tree. The input lays out up to six
// config files in the folders an include may be looked up in (the including file's folder,
// conf/common, its mount folders, an --include_dir, a sub-folder), some replaced by a symbolic
// link or a folder, with an optional link `conf/common/l -> .` that makes endless distinct paths;
// each file has includes (by name, file name, absolute path, project path, sub-folder path, or
// any text) at mounts of every kind, top level or nested, and a body; the root may get include
// overrides. Composing must not crash; when the includes whose target is certain (absolute paths
// and names found in the including file's own folder) reach a cycle from the root, it must fail.
#include <fuzzer/FuzzedDataProvider.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "fuzz_support.h"
#include "heyhi/config.h"
#include "heyhi/print.h"

namespace {

namespace fs = std::filesystem;

constexpr int kMaxFiles = 6;
// Folders under the tree root; the root config is always file 0 in conf/x.
constexpr const char* kFolders[] = {
    "conf/x", "conf/common", "conf/common/agent", "conf/common/agents", "extra", "conf/x/sub"};
constexpr const char* kMounts[] = {"",
                                   ".",
                                   "agent",
                                   "agent.backup",
                                   "agents.0",
                                   "agents.-1",
                                   "agents.1",
                                   "agent_map.k",
                                   "choice_agent",
                                   "agent.random",
                                   "i32",
                                   "counts.x",
                                   "nothing",
                                   "agent..x",
                                   "backup",
                                   "backup.backup",
                                   "agent.includes.0",
                                   "choice_int"};
constexpr const char* kBodies[] = {"name: \"n\"",
                                   "rollouts: 3",
                                   "random { seed: 1 }",
                                   "i32: 5",
                                   "ints: [1, 2]",
                                   "agent { name: \"a\" }",
                                   "str: \"s\"",
                                   "temperature: 0.5",
                                   "backup { name: \"b\" }",
                                   "agents { }",
                                   "choice_int: 4",
                                   "{{ROOT_DIR}}",
                                   "counts { key: \"k\" value: 2 }",
                                   "seed: 9",
                                   "}",
                                   "path: \"p\""};
// Where an include stands in its file.
constexpr const char* kPlacements[][2] = {{"", ""},
                                          {"agent { ", " }"},
                                          {"agents { ", " }"},
                                          {"choice_agent { ", " }"},
                                          {"agent { backup { ", " } }"},
                                          {"backup { ", " }"}};

struct File {
  int folder = 0;
  enum Kind { kRegular, kLink, kFolder } kind = kRegular;
  int link_to = 0;
  std::string text;
  std::vector<int> certain;  // files that top-level includes certainly resolve to
};

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

bool ReachesCycle(const std::vector<File>& files) {
  std::vector<int> state(files.size(), 0);  // 0 new, 1 on stack, 2 done
  std::function<bool(int)> visit = [&](int i) {
    state[i] = 1;
    for (int j : files[i].certain) {
      if (state[j] == 1 || (state[j] == 0 && visit(j))) return true;
    }
    state[i] = 2;
    return false;
  };
  return visit(0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string root = heyhi::fuzz::TempRoot() + "/includes";
  FuzzedDataProvider in(data, size);
  std::error_code ignored;
  fs::remove_all(root, ignored);

  std::vector<File> files(in.ConsumeIntegralInRange<int>(1, kMaxFiles));
  for (size_t i = 1; i < files.size(); ++i) {
    files[i].folder = in.ConsumeIntegralInRange<int>(0, std::size(kFolders) - 1);
    const int kind = in.ConsumeIntegralInRange<int>(0, 9);
    files[i].kind = kind == 0 ? File::kLink : kind == 1 ? File::kFolder : File::kRegular;
    files[i].link_to = in.ConsumeIntegralInRange<int>(0, files.size() - 1);
  }
  auto path_of = [&](size_t i) {
    return absl::StrCat(root, "/", kFolders[files[i].folder], "/f", i, ".prototxt");
  };
  const bool loop_link = in.ConsumeBool();

  for (size_t i = 0; i < files.size(); ++i) {
    File& file = files[i];
    std::string includes;
    const int count = in.ConsumeIntegralInRange<int>(0, 3);
    for (int k = 0; k < count; ++k) {
      const size_t target = in.ConsumeIntegralInRange<size_t>(0, files.size() - 1);
      const std::string name = absl::StrCat("f", target);
      std::string path;
      bool certain = false;
      switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0:
          path = name;
          certain = files[target].folder == file.folder;
          break;
        case 1:
          path = name + ".prototxt";
          certain = files[target].folder == file.folder;
          break;
        case 2:
          path = path_of(target);
          certain = true;
          break;
        case 3:
          path = absl::StrCat(kFolders[files[target].folder], "/", name, ".prototxt");
          break;
        case 4:
          path = "agent/" + name;
          break;
        case 5:
          path = "l/" + name;
          break;
        case 6:
          path = "../" + name;
          break;
        default:
          path = in.ConsumeRandomLengthString(16);
          break;
      }
      std::string mount;
      const int m = in.ConsumeIntegralInRange<int>(0, std::size(kMounts) + 1);
      if (m < static_cast<int>(std::size(kMounts))) {
        mount = kMounts[m];
      } else if (m == static_cast<int>(std::size(kMounts))) {
        mount = "backup";  // a long chain of steps
        for (int n = in.ConsumeIntegralInRange<int>(1, 120); n > 0; --n) mount += ".backup";
      } else {
        mount = in.ConsumeRandomLengthString(16);
      }
      const int placement = in.ConsumeIntegralInRange<int>(0, std::size(kPlacements) - 1);
      absl::StrAppend(&includes, kPlacements[placement][0], "includes { path: ", Quoted(path),
                      " mount: ", Quoted(mount), " }", kPlacements[placement][1], "\n");
      if (placement == 0 && certain && files[target].kind == File::kRegular) {
        file.certain.push_back(static_cast<int>(target));
      }
    }
    std::string body;
    for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
      absl::StrAppend(&body,
                      in.ConsumeBool()
                          ? kBodies[in.ConsumeIntegralInRange<size_t>(0, std::size(kBodies) - 1)]
                          : in.ConsumeRandomLengthString(24),
                      "\n");
    }
    if (i == 0) {
      const int task = in.ConsumeIntegralInRange<int>(0, 5);
      const char* open = task == 0 ? "" : task == 1 ? "train {\n" : "test_all_kinds {\n";
      file.text = absl::StrCat(includes, open, body, task == 0 ? "" : "}\n");
    } else {
      file.text = includes + body;
    }
  }

  for (size_t i = 0; i < files.size(); ++i) {
    const std::string path = path_of(i);
    fs::create_directories(fs::path(path).parent_path(), ignored);
    switch (files[i].kind) {
      case File::kRegular:
        heyhi::fuzz::WriteFile(path, files[i].text);
        break;
      case File::kLink:
        fs::create_symlink(path_of(files[i].link_to), path, ignored);
        break;
      case File::kFolder:
        fs::create_directories(path, ignored);
        break;
    }
  }
  if (loop_link) {
    fs::create_directories(root + "/conf/common", ignored);
    fs::create_directory_symlink(".", root + "/conf/common/l", ignored);
  }

  std::vector<std::string> overrides;
  for (int n = in.ConsumeIntegralInRange<int>(0, 2); n > 0; --n) {
    overrides.push_back(absl::StrCat(
        "I", kMounts[in.ConsumeIntegralInRange<size_t>(0, std::size(kMounts) - 1)], "=",
        in.ConsumeBool() ? absl::StrCat("f", in.ConsumeIntegralInRange<int>(0, kMaxFiles - 1))
                         : in.ConsumeRandomLengthString(16)));
  }

  // HEYHI_FUZZ_VERBOSE=1 shows the tree, to turn a crash into a test.
  if (getenv("HEYHI_FUZZ_VERBOSE") != nullptr) {
    for (size_t i = 0; i < files.size(); ++i) {
      const char* kinds[] = {"file", "link", "folder"};
      fprintf(stderr, "--- %s (%s)\n%s", path_of(i).c_str(), kinds[files[i].kind],
              files[i].kind == File::kRegular ? files[i].text.c_str() : "");
    }
    for (const std::string& override_ : overrides)
      fprintf(stderr, "override: %s\n", override_.c_str());
    fprintf(stderr, "loop link: %s\n", loop_link ? "yes" : "no");
  }
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  options.include_dirs = {root + "/extra"};
  absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(path_of(0), overrides, options);
  if (!composed.ok()) {
    if (composed.status().message().empty()) {
      fprintf(stderr, "LoadConfig failed with an empty message\n");
      abort();
    }
    return 0;
  }
  if (ReachesCycle(files)) {
    fprintf(stderr, "an include cycle composed without an error; root file:\n%s\n",
            files[0].text.c_str());
    abort();
  }
  heyhi::Flatten(*composed->task, /*with_all=*/false);
  heyhi::fuzz::CheckRoundTrip(*composed->task, /*through_shell=*/false);
  return 0;
}
