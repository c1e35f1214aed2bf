// The fuzz targets' shared helpers: temporary conf tree, message comparison, shell words and the
// flat-lines round-trip check.
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/overrides.h"
#include "heyhi/print.h"

namespace heyhi::fuzz {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::FieldComparator;
using google::protobuf::util::FieldContext;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::SimpleFieldComparator;

std::string* temp_root = nullptr;

void RemoveTempRoot() {
  if (temp_root == nullptr) return;
  std::error_code ignored;
  fs::remove_all(*temp_root, ignored);
}

// Floats compared bit for bit (so -0 differs from 0), NaN equal to NaN.
class ExactFloatComparator : public SimpleFieldComparator {
 public:
  ComparisonResult Compare(const Message& a, const Message& b, const FieldDescriptor* field,
                           int index_a, int index_b, const FieldContext* context) override {
    const Reflection* ra = a.GetReflection();
    const Reflection* rb = b.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Same(
            field->is_repeated() ? ra->GetRepeatedFloat(a, field, index_a) : ra->GetFloat(a, field),
            field->is_repeated() ? rb->GetRepeatedFloat(b, field, index_b)
                                 : rb->GetFloat(b, field));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Same(field->is_repeated() ? ra->GetRepeatedDouble(a, field, index_a)
                                         : ra->GetDouble(a, field),
                    field->is_repeated() ? rb->GetRepeatedDouble(b, field, index_b)
                                         : rb->GetDouble(b, field));
      default:
        return SimpleCompare(a, b, field, index_a, index_b, context);
    }
  }

 private:
  template <typename T>
  ComparisonResult Same(T a, T b) const {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? SAME : DIFFERENT;
    return a == b && std::signbit(a) == std::signbit(b) ? SAME : DIFFERENT;
  }
};

std::string Escaped(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) absl::StrAppend(&out, "  ", absl::CEscape(line), "\n");
  return out;
}

[[noreturn]] void Fail(const std::string& what, const std::vector<std::string>& lines,
                       const Message& original, const Message* rebuilt) {
  fprintf(stderr,
          "\n=== flat round trip failed: %s\n--- Flatten lines (C-escaped, one per line):\n%s"
          "--- original (%s):\n%s",
          what.c_str(), Escaped(lines).c_str(), original.GetDescriptor()->full_name().c_str(),
          original.DebugString().c_str());
  if (rebuilt != nullptr) fprintf(stderr, "--- rebuilt:\n%s", rebuilt->DebugString().c_str());
  fflush(stderr);
  abort();
}

}  // namespace

const std::string& TempRoot() {
  if (temp_root != nullptr) return *temp_root;
  std::string pattern = (fs::temp_directory_path() / "heyhi_fuzz_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    perror("mkdtemp");
    abort();
  }
  temp_root = new std::string(pattern);
  atexit(RemoveTempRoot);
  fs::copy(fs::path(HEYHI_SOURCE_DIR) / "conf", fs::path(pattern) / "conf",
           fs::copy_options::recursive);
  const std::string common = pattern + "/conf/common/";
  WriteFile(common + "agent.prototxt", "name: \"fixed\"\ntemperature: 0.5\nrollouts: 3\n");
  WriteFile(common + "all_kinds_chunk.prototxt",
            "i32: 7 str: \"chunk\" ints: [1, 2] counts { key: \"a\" value: 1 }\n"
            "agents { name: \"x\" } agent { includes { path: \"agent\" mount: \"\" } }\n");
  WriteFile(common + "self.prototxt", "includes { path: \"self\" mount: \"\" }\nname: \"cycle\"\n");
  // HH_CONF_ROOT would move the conf root away from the tree.
  unsetenv("HH_CONF_ROOT");
  return *temp_root;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    fprintf(stderr, "cannot write %s\n", path.c_str());
    abort();
  }
}

bool SameMessage(const Message& a, const Message& b) {
  ExactFloatComparator comparator;
  MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

bool ShellWords(const std::vector<std::string>& lines, std::vector<std::string>* words) {
  std::string script = "printf '%s\\0'";
  for (const std::string& line : lines) {
    if (line.find('\0') != std::string::npos) return false;
    absl::StrAppend(&script, " ", line);
  }
  script += "\n";
  const std::string path = TempRoot() + "/words.sh";
  WriteFile(path, script);
  absl::StatusOr<ProgramResult> result =
      RunProgram({"/bin/sh", path}, std::chrono::milliseconds(20000));
  if (!result.ok() || result->exit_code != 0) {
    fprintf(stderr, "/bin/sh %s failed: %s\n%s\n", path.c_str(),
            result.ok() ? absl::StrCat("exit ", result->exit_code).c_str()
                        : std::string(result.status().message()).c_str(),
            result.ok() ? result->err.c_str() : "");
    abort();
  }
  words->clear();
  const std::string& out = result->out;
  size_t start = 0;
  for (size_t end; (end = out.find('\0', start)) != std::string::npos; start = end + 1) {
    words->push_back(out.substr(start, end - start));
  }
  // printf with no argument still prints the format once.
  if (lines.empty()) words->clear();
  return true;
}

void CheckRoundTrip(const Message& original, bool through_shell) {
  const std::vector<std::string> lines = Flatten(original, /*with_all=*/false);
  static const bool verbose = getenv("HEYHI_FUZZ_VERBOSE") != nullptr;
  if (verbose) fprintf(stderr, "--- flat lines:\n%s", Escaped(lines).c_str());
  std::vector<std::string> tokens;
  for (const std::string& line : lines) {
    absl::StatusOr<std::string> token = ShellUnquote(line);
    if (!token.ok()) {
      Fail(absl::StrCat("ShellUnquote(", absl::CEscape(line), "): ", token.status().message()),
           lines, original, nullptr);
    }
    tokens.push_back(*std::move(token));
  }
  std::vector<std::string> words;
  if (through_shell && ShellWords(lines, &words) && words != tokens) {
    Fail(absl::StrCat("/bin/sh reads other words than ShellUnquote:\n", Escaped(words)), lines,
         original, nullptr);
  }
  std::unique_ptr<Message> rebuilt(original.New());
  const absl::Status applied = ApplyOverrides(rebuilt.get(), tokens);
  if (!applied.ok()) {
    Fail(absl::StrCat("ApplyOverrides: ", applied.message()), lines, original, rebuilt.get());
  }
  if (!SameMessage(original, *rebuilt)) {
    Fail("the rebuilt message differs", lines, original, rebuilt.get());
  }
}

}  // namespace heyhi::fuzz
