// Tests of `make protos` end to end: protoc with protoc-gen-heyhi on schemas
// outside the build, then a program compiled against the generated headers
// (SPEC §9: adding a field is all it takes to set it and read it).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kSourceDir = HEYHI_SOURCE_DIR;
const std::string kBinaryDir = HEYHI_BINARY_DIR;

// What a program outside the build needs (written by CMake's
// heyhi_write_build_info).
struct BuildInfo {
  std::string cxx, standard, protoc, plugin;
  std::vector<std::string> includes, defines, libs;
};

BuildInfo ReadBuildInfo() {
  BuildInfo info;
  std::ifstream in(kBinaryDir + "/tools/protoc-gen-heyhi/build_info.txt");
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    const std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "cxx") info.cxx = value;
    if (key == "std") info.standard = value;
    if (key == "protoc") info.protoc = value;
    if (key == "plugin") info.plugin = value;
    if (key == "include") info.includes.push_back(value);
    if (key == "define") info.defines.push_back(value);
    if (key == "lib") info.libs.push_back(value);
  }
  return info;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result RunCommand(const std::string& command) {
  Result result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class ProtosCodegen : public ::testing::Test {
 protected:
  void SetUp() override {
    info_ = ReadBuildInfo();
    ASSERT_FALSE(info_.plugin.empty()) << "no build_info.txt under " << kBinaryDir;
    char pattern[] = "/tmp/heyhi_protos_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "gen");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // protoc --cpp_out --heyhi_out on `proto` (relative to `root`).
  Result Generate(const fs::path& root, const std::string& proto, const std::string& options = "") {
    std::string command = Quote(info_.protoc) + " --cpp_out=" + Quote((dir_ / "gen").string()) +
                          " --heyhi_out=" + options + Quote((dir_ / "gen").string()) +
                          " --plugin=protoc-gen-heyhi=" + Quote(info_.plugin) + " -I " +
                          Quote(root.string()) + " -I " + Quote(kSourceDir + "/proto") + " " +
                          Quote((root / proto).string());
    return RunCommand(command);
  }

  // Compiles `sources` (the generated .pb.cc among them) into dir_/probe and
  // links it with the heyhi library.
  Result Compile(const std::vector<std::string>& sources) {
    std::string command = Quote(info_.cxx) + " -std=" + info_.standard + " -O0 -o " +
                          Quote((dir_ / "probe").string()) + " -I " +
                          Quote((dir_ / "gen").string());
    for (const std::string& dir : info_.includes) command += " -I " + Quote(dir);
    for (const std::string& define : info_.defines) command += " -D" + Quote(define);
    for (const std::string& source : sources) command += " " + Quote(source);
    command += " -Wl,--start-group";
    for (const std::string& lib : info_.libs) command += " " + Quote(lib);
    command += " -Wl,--end-group";
    return RunCommand(command);
  }

  Result Probe(const std::vector<std::string>& args) {
    std::string command = Quote((dir_ / "probe").string());
    for (const std::string& arg : args) command += " " + Quote(arg);
    return RunCommand(command);
  }

  BuildInfo info_;
  fs::path dir_;
};

constexpr char kNewFieldProbe[] = R"(#include <iostream>
#include "conf.cfg.h"
#include "heyhi/config.h"
int main(int argc, char** argv) {
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  auto composed = heyhi::LoadConfig(argv[1], std::vector<std::string>(argv + 2, argv + argc), options);
  if (!composed.ok()) { std::cout << composed.status().message() << "\n"; return 1; }
  const TrainTask* task = google::protobuf::DynamicCastToGenerated<TrainTask>(composed->task);
  if (task == nullptr) { std::cout << "not a TrainTask\n"; return 1; }
  const TrainTaskView train(*task);
  std::cout << "new_knob=" << train.new_knob() << "\n"
            << "new_label=" << train.new_label().value_or("<unset>") << "\n"
            << "batch_size=" << train.batch_size() << "\n"
            << "doc=" << TrainTaskView::kNewKnobDoc << "\n";
  for (const std::string& line : train.to_flat()) std::cout << "flat:" << line << "\n";
}
)";

TEST_F(ProtosCodegen, AFieldAddedToTrainTaskIsSetFromConfigAndCommandLineAndReadThroughTheView) {
  fs::copy(kSourceDir + "/proto", dir_ / "proto", fs::copy_options::recursive);
  fs::copy(kSourceDir + "/conf", dir_ / "conf", fs::copy_options::recursive);
  const fs::path schema = dir_ / "proto" / "conf.proto";
  std::string text = ReadFile(schema);
  const std::string anchor = "message TrainTask {\n";
  ASSERT_NE(text.find(anchor), std::string::npos);
  text.insert(text.find(anchor) + anchor.size(),
              "  // Knob added by the test.\n"
              "  optional int32 new_knob = 99 [default = 7];\n"
              "  // Label added by the test; no default.\n"
              "  optional string new_label = 98;\n");
  WriteFile(schema, text);
  WriteFile(dir_ / "conf" / "c02_sup_train" / "knob.prototxt",
            "includes { path: \"launcher/local\" mount: \"launcher\" }\n"
            "train { new_knob: 11 batch_size: 64 }\n");

  Result generated = Generate(dir_ / "proto", "conf.proto");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  ASSERT_TRUE(fs::exists(dir_ / "gen" / "conf.cfg.h"));
  WriteFile(dir_ / "probe.cc", kNewFieldProbe);
  Result compiled = Compile({(dir_ / "probe.cc").string(), (dir_ / "gen" / "conf.pb.cc").string()});
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;

  const std::string knob = (dir_ / "conf" / "c02_sup_train" / "knob.prototxt").string();
  const std::string sl = (dir_ / "conf" / "c02_sup_train" / "sl.prototxt").string();
  Result from_config = Probe({knob});
  ASSERT_EQ(from_config.exit_code, 0) << from_config.output;
  EXPECT_THAT(from_config.output, HasSubstr("new_knob=11\n"));
  EXPECT_THAT(from_config.output, HasSubstr("new_label=<unset>\n"));
  EXPECT_THAT(from_config.output, HasSubstr("batch_size=64\n"));
  EXPECT_THAT(from_config.output, HasSubstr("doc=Knob added by the test.\n"));
  EXPECT_THAT(from_config.output, HasSubstr("flat:new_knob=11\n"));

  Result from_command_line = Probe({knob, "new_knob=12", "--new_label=hello"});
  ASSERT_EQ(from_command_line.exit_code, 0) << from_command_line.output;
  EXPECT_THAT(from_command_line.output, HasSubstr("new_knob=12\n"));
  EXPECT_THAT(from_command_line.output, HasSubstr("new_label=hello\n"));
  EXPECT_THAT(from_command_line.output, HasSubstr("flat:new_knob=12\n"));

  Result unset = Probe({sl});
  ASSERT_EQ(unset.exit_code, 0) << unset.output;
  EXPECT_THAT(unset.output, HasSubstr("new_knob=7\n"));
  Result typed = Probe({sl, "new_knob=twelve"});
  EXPECT_EQ(typed.exit_code, 1);
  EXPECT_THAT(typed.output, HasSubstr("new_knob"));
}

constexpr char kEdgeCaseProbe[] = R"(#include <iostream>
#include <type_traits>
#include "cfg_edge_cases.cfg.h"
using edge::cases::Outer;
using edge::cases::OuterView;
template <typename T> T Get();
static_assert(std::is_same_v<decltype(Get<OuterView>().inner()), edge::cases::Outer_InnerView>);
static_assert(std::is_same_v<decltype(Get<edge::cases::Outer_InnerView>().deepest()),
                             edge::cases::Outer_Inner_DeepestView>);
static_assert(std::is_same_v<decltype(Get<OuterView>().class_()), const std::string&>);
static_assert(std::is_same_v<decltype(Get<OuterView>().new_()), int32_t>);
static_assert(std::is_same_v<decltype(Get<OuterView>().maybe()), std::optional<int32_t>>);
static_assert(std::is_same_v<decltype(Get<OuterView>().plain()), int32_t>);
static_assert(std::is_same_v<decltype(Get<OuterView>().which_some_thing2x()), Outer::SomeThing2XCase>);
static_assert(std::is_same_v<decltype(Get<OuterView>().timeout()), const google::protobuf::Duration&>);
static_assert(std::is_same_v<decltype(Get<OuterView>().launcher()), heyhi::LauncherView>);
int main() {
  Outer msg;
  msg.set_my_case3d(0);
  msg.mutable_inner()->set_mode(Outer::Inner::MODE_ON);
  (*msg.mutable_modes())["a"] = Outer::Inner::MODE_ON;
  (*msg.mutable_inner_by_id())[7].mutable_deepest()->set_depth(3);
  (*msg.mutable_blobs())["b"] = "bytes";
  msg.add_inners()->set_mode(Outer::Inner::MODE_ON);
  const OuterView view(msg);
  std::cout << "which=" << view.which_some_thing2x_name() << "\n"
            << "my_case3d=" << view.my_case3d().value_or(-1) << "\n"
            << "maybe_set=" << view.has_maybe() << "\n"
            << "mode=" << view.inner().mode_name() << "\n"
            << "modes.a=" << view.modes_at("a").value_or(Outer::Inner::MODE_OFF) << "\n"
            << "depth=" << view.inner_by_id_at(7)->deepest().depth() << "\n"
            << "blob=" << view.blobs_at("b").value_or("") << "\n"
            << "inners=" << view.inners()[0].mode_name() << "\n"
            << "doc=" << OuterView::kMaybeDoc << "\n";
}
)";

TEST_F(ProtosCodegen, ViewsUseProtocNamesForPackagesNestedTypesKeywordsAndProto3) {
  Result generated = Generate(kSourceDir + "/tests/proto", "cfg_edge_cases.proto");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  WriteFile(dir_ / "probe.cc", kEdgeCaseProbe);
  Result compiled =
      Compile({(dir_ / "probe.cc").string(), (dir_ / "gen" / "cfg_edge_cases.pb.cc").string()});
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  Result run = Probe({});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output,
            "which=my_case3d\nmy_case3d=0\nmaybe_set=0\nmode=MODE_ON\nmodes.a=1\ndepth=3\n"
            "blob=bytes\ninners=MODE_ON\ndoc=proto3 `optional`: explicit presence, so "
            "std::optional.\n");
}

// protoc 3.21 appends '_' to C++ keywords in class and field names, but not
// to C++20's (`requires`), nor inside a nested enum's name, nor to oneofs.
constexpr char kKeywordSchema[] = R"(syntax = "proto2";
package kw;
message union {
  enum struct {
    STRUCT_A = 0;
    STRUCT_B = 1;
  }
  optional int32 int = 1;
  optional int32 requires = 2;
  optional struct kind = 3;
  oneof new {
    int32 a = 4;
    string b = 5;
  }
}
message Holder {
  optional union u = 1;
}
)";

constexpr char kKeywordProbe[] = R"(#include <iostream>
#include <type_traits>
#include "kw.cfg.h"
template <typename T> T Get();
static_assert(std::is_same_v<decltype(Get<kw::HolderView>().u()), kw::union_View>);
static_assert(std::is_same_v<decltype(Get<kw::union_View>().int_()), std::optional<int32_t>>);
static_assert(std::is_same_v<decltype(Get<kw::union_View>().has_int_()), bool>);
static_assert(std::is_same_v<decltype(Get<kw::union_View>().requires()), std::optional<int32_t>>);
static_assert(std::is_same_v<decltype(Get<kw::union_View>().kind()), std::optional<kw::union__struct>>);
static_assert(std::is_same_v<decltype(Get<kw::union_View>().which_new()), kw::union_::NewCase>);
int main() {
  kw::Holder msg;
  msg.mutable_u()->set_int_(3);
  msg.mutable_u()->set_requires(4);
  msg.mutable_u()->set_kind(kw::union_::STRUCT_B);
  msg.mutable_u()->set_b("x");
  const kw::HolderView view(msg);
  std::cout << "int=" << view.u().int_().value_or(-1) << "\n"
            << "requires=" << view.u().requires().value_or(-1) << "\n"
            << "kind=" << view.u().kind_name().value_or("") << "\n"
            << "which=" << view.u().which_new_name() << "\n";
}
)";

TEST_F(ProtosCodegen, KeywordsGetAnUnderscoreExactlyWhereProtocAppendsOne) {
  WriteFile(dir_ / "in" / "kw.proto", kKeywordSchema);
  Result generated = Generate(dir_ / "in", "kw.proto");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  WriteFile(dir_ / "probe.cc", kKeywordProbe);
  Result compiled = Compile({(dir_ / "probe.cc").string(), (dir_ / "gen" / "kw.pb.cc").string()});
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  Result run = Probe({});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "int=3\nrequires=4\nkind=STRUCT_B\nwhich=b\n");
}

TEST_F(ProtosCodegen, GetterNameCollisionIsAnErrorNamingBothFields) {
  WriteFile(dir_ / "in" / "clash.proto",
            "syntax = \"proto2\";\n"
            "enum Color { RED = 0; }\n"
            "message Paint {\n  optional Color color = 1;\n  optional string color_name = 2;\n}\n");
  Result generated = Generate(dir_ / "in", "clash.proto");
  EXPECT_NE(generated.exit_code, 0);
  EXPECT_THAT(generated.output, HasSubstr("color_name"));
  EXPECT_THAT(generated.output, HasSubstr("field `color`"));
  EXPECT_THAT(generated.output, HasSubstr("field `color_name`"));
  EXPECT_THAT(generated.output, HasSubstr("Paint"));
}

TEST_F(ProtosCodegen, UnknownPluginParameterIsAnErrorListingTheKnownOnes) {
  WriteFile(dir_ / "in" / "one.proto",
            "syntax = \"proto2\";\nmessage One { optional int32 a = 1; }\n");
  Result generated = Generate(dir_ / "in", "one.proto", "bogus:");
  EXPECT_NE(generated.exit_code, 0);
  EXPECT_THAT(generated.output, HasSubstr("unknown parameter \"bogus\""));
  EXPECT_THAT(generated.output, HasSubstr("no_docs_registry"));
  Result without_registry = Generate(dir_ / "in", "one.proto", "no_docs_registry:");
  EXPECT_EQ(without_registry.exit_code, 0) << without_registry.output;
  EXPECT_EQ(ReadFile(dir_ / "gen" / "one.pb.cc").find("RegisterSchemaDocs"), std::string::npos);
}

}  // namespace
