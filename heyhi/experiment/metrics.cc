// metrics.jsonl: written line by line, read with nlohmann::json.
#include "heyhi/experiment/metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "heyhi/base/files.h"
#include "nlohmann/json.hpp"

namespace heyhi {
namespace {

using nlohmann::json;

// The numbers of one JSON object line; false (with `error`) when it is not one.
bool ParseLine(const std::string& text, std::map<std::string, double>* values, std::string* error) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    *error = parsed.is_discarded() ? "not valid JSON" : "not a JSON object";
    return false;
  }
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_number()) (*values)[key] = value.get<double>();
    if (value.is_boolean()) (*values)[key] = value.get<bool>() ? 1 : 0;
  }
  return true;
}

std::vector<MetricsLine> ParseLines(const std::string& path, const std::string& content,
                                    std::vector<std::string>* warnings) {
  std::vector<MetricsLine> lines;
  int number = 0;
  for (absl::string_view text : absl::StrSplit(content, '\n')) {
    ++number;
    if (text.empty()) continue;
    MetricsLine line;
    line.line_number = number;
    line.text = std::string(text);
    std::string error;
    if (!ParseLine(line.text, &line.values, &error)) {
      if (warnings != nullptr) {
        warnings->push_back(absl::StrCat(path, ":", number, ": skipped: ", error));
      }
      continue;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

// Writes all of `text` to `fd`.
bool WriteAll(int fd, const std::string& text) {
  for (size_t written = 0; written < text.size();) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::vector<MetricsLine> ReadMetrics(const std::string& path, std::vector<std::string>* warnings) {
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok()) return {};
  return ParseLines(path, *content, warnings);
}

absl::StatusOr<MetricsLine> LastMetrics(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("no metrics: ", path));
  const std::streamoff size = in.tellg();
  // Lines are short: the tail holds the last complete ones.
  for (std::streamoff tail = 4096;; tail *= 4) {
    const std::streamoff from = std::max<std::streamoff>(0, size - tail);
    in.seekg(from);
    std::string chunk(static_cast<size_t>(size - from), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (from > 0) chunk.erase(0, chunk.find('\n') + 1);  // a partial first line
    std::vector<MetricsLine> lines = ParseLines(path, chunk, nullptr);
    if (!lines.empty()) return lines.back();
    if (from == 0) return absl::NotFoundError(absl::StrCat("no metrics line in ", path));
  }
}

absl::Status AppendMetrics(const std::string& path, const std::map<std::string, double>& values,
                           int64_t epoch, int64_t step, bool drop_from_epoch) {
  std::vector<MetricsLine> existing;
  if (drop_from_epoch) existing = ReadMetrics(path, nullptr);
  const bool repeats = std::any_of(existing.begin(), existing.end(), [epoch](const auto& line) {
    auto it = line.values.find("epoch");
    return it != line.values.end() && it->second >= static_cast<double>(epoch);
  });
  if (repeats) {
    std::string kept;
    for (const MetricsLine& line : existing) {
      auto it = line.values.find("epoch");
      if (it == line.values.end() || it->second < static_cast<double>(epoch)) {
        absl::StrAppend(&kept, line.text, "\n");
      }
    }
    if (absl::Status rewritten = WriteFileAtomically(path, kept); !rewritten.ok()) {
      return rewritten;
    }
  }
  json line = json::object();
  for (const auto& [key, value] : values) {
    // JSON has no NaN or infinity: such a value is written as null.
    line[key] = std::isfinite(value) ? json(value) : json(nullptr);
  }
  line["epoch"] = epoch;
  line["step"] = step;
  line["time"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string text = line.dump() + "\n";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open", path);
  // A line cut short (a process killed while writing it) is ended first, so
  // that it spoils no line after it.
  struct stat st;
  const off_t size = fstat(fd, &st) == 0 ? st.st_size : -1;
  char last = '\n';
  if (size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != '\n') text.insert(0, "\n");
  // One write of the whole line: O_APPEND places it after every earlier one.
  const bool written = WriteAll(fd, text) && fsync(fd) == 0;
  absl::Status status = written ? absl::OkStatus() : ErrnoError("cannot append to", path);
  // A full disk cuts a line short: take back what was written of it.
  if (!written && size >= 0 && ftruncate(fd, size) != 0) {
    status = absl::Status(status.code(),
                          absl::StrCat(status.message(), " (and cannot take back its last line)"));
  }
  close(fd);
  return status;
}

}  // namespace heyhi
