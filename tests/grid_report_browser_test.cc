// The HTML grid report in a real headless Chromium: the page it renders has
// the table and the charts, and a screenshot of it is taken. Chromium comes
// from the Debian package chromium-headless-shell (tools/install_deps.sh);
// HEYHI_CHROMIUM names another binary. Without one the tests fail where CI
// is set, and are skipped elsewhere.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/cli/grid_table.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "parsed_html.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Each Chromium run is killed after this long; one takes about a second.
constexpr std::chrono::seconds kBrowserTimeout{20};

// An executable file named `name` in PATH, or "".
std::string InPath(const std::string& name) {
  const char* path = ::getenv("PATH");
  if (path == nullptr) return "";
  for (const auto& dir : absl::StrSplit(path, ':')) {
    const std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The headless Chromium to use: HEYHI_CHROMIUM when set (none if that is no
// executable), else the first found of the names Debian installs it under.
std::string FindChromium() {
  if (const char* chosen = ::getenv("HEYHI_CHROMIUM"); chosen != nullptr && *chosen != '\0') {
    return ::access(chosen, X_OK) == 0 ? chosen : "";
  }
  for (const char* name : {"chromium-headless-shell", "chromium", "chromium-browser"}) {
    if (std::string found = InPath(name); !found.empty()) return found;
  }
  for (const char* path :
       {"/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/headless_shell"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

bool InCi() {
  const char* ci = ::getenv("CI");
  if (ci == nullptr) return false;
  const std::string value = ci;
  return !value.empty() && value != "0" && value != "false";
}

// The report of a grid of four members, each with its metrics file, in a
// temporary folder; Chromium runs on it with a profile of its own there.
class GridReportInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) {
      if (InCi()) {
        FAIL() << "no headless Chromium found (chromium-headless-shell or chromium in PATH, or "
                  "HEYHI_CHROMIUM); tools/install_deps.sh installs chromium-headless-shell";
      }
      GTEST_SKIP() << "no headless Chromium (install chromium-headless-shell); CI unset, skipped";
    }
    table_.grid_name = "lr_sweep";
    table_.shared = {"epochs=4", "optimizer=adam"};
    table_.metric_names = {"loss", "accuracy"};
    const std::vector<std::string> names = {"lr=0.1", "lr=0.01", "lr=0.001",
                                            "tag=\"<script>document.title='pwned'</script>\""};
    const std::vector<std::string> statuses = {"DONE", "RUNNING", "DEAD", "DONE"};
    for (int i = 0; i < 4; ++i) {
      GridTable::Row row;
      row.index = i;
      row.name = names[i];
      row.status = statuses[i];
      row.sig = absl::StrCat("00000000000", i);
      row.job_id = absl::StrCat("local:", 100 + i, "@host");
      row.exp_dir = tree_.Path(absl::StrCat("xps/", row.sig));
      ASSERT_TRUE(MakeDirs(row.exp_dir).ok());
      // Three or four epochs each, written as a task writes them.
      const int epochs = i == 2 ? 3 : 4;
      for (int epoch = 0; epoch < epochs; ++epoch) {
        const double loss = 2.0 / (1 + epoch * (i + 1));
        const double accuracy = 1 - loss / 2.5;
        ASSERT_TRUE(AppendMetrics(absl::StrCat(row.exp_dir, "/", kMetricsFile),
                                  {{"loss", loss}, {"accuracy", accuracy}}, epoch, epoch * 100,
                                  epoch == 0)
                        .ok());
        row.epoch = epoch;
        row.metrics = {loss, accuracy};
      }
      row.log_age_s = 30 * i;
      if (row.status == "DEAD") row.error = "RuntimeError: <nan> & loss\n";
      table_.rows.push_back(row);
    }
    std::vector<std::string> warnings;
    const MetricCharts charts = GridTableCharts(table_, &warnings);
    ASSERT_THAT(warnings, IsEmpty());
    report_ = tree_.Path("report.html");
    ASSERT_TRUE(WriteFileAtomically(report_, GridReportHtml(table_, charts)).ok());
  }

  // Chromium's stdout for `flags` on the report, or a failure with its stderr.
  std::string RunChromium(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {chromium_,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-dev-shm-usage",
                                     "--no-first-run",
                                     "--hide-scrollbars",
                                     "--user-data-dir=" + tree_.Path("profile"),
                                     "--window-size=1200,900"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("file://" + report_);
    ProgramOptions options;
    options.timeout = kBrowserTimeout;
    options.env = {"HOME=" + tree_.Path("home"), "XDG_CONFIG_HOME=" + tree_.Path("home/.config"),
                   "XDG_CACHE_HOME=" + tree_.Path("home/.cache")};
    const auto started = std::chrono::steady_clock::now();
    absl::StatusOr<ProgramResult> result = RunProgram(argv, options);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::cout << CommandText(argv) << ": " << took.count() << " ms" << std::endl;
    if (!result.ok()) {
      ADD_FAILURE() << result.status();
      return "";
    }
    if (result->exit_code != 0) {
      ADD_FAILURE() << CommandText(argv) << " exited " << result->exit_code << ":\n" << result->err;
    }
    return result->out;
  }

  std::string chromium_;
  TempTree tree_;
  GridTable table_;
  std::string report_;
};

TEST_F(GridReportInBrowser, RenderedPageHasARowPerMemberAndAChartPerMetricWithALinePerMember) {
  const std::string dom = RunChromium({"--dump-dom"});
  ASSERT_TRUE(absl::StrContains(dom, "</html>")) << dom;
  ParsedHtml page(dom);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page.Strings("//table[@class='members']/tbody/tr/@data-status"),
              ElementsAre("DONE", "RUNNING", "DEAD", "DONE"));
  EXPECT_THAT(page.Strings("//tbody/tr/td[@class='name']"),
              ElementsAre("lr=0.1", "lr=0.01", "lr=0.001",
                          "tag=\"<script>document.title='pwned'</script>\""));
  EXPECT_THAT(page.Strings("//figure[@class='chart']/@data-metric"),
              ElementsAre("loss", "accuracy"));
  ASSERT_EQ(page.Count("//svg"), 2u);
  for (int chart = 1; chart <= 2; ++chart) {
    const std::string svg = absl::StrCat("(//svg)[", chart, "]");
    EXPECT_EQ(page.Count(svg + "//path[@class='series']"), 4u) << "chart " << chart;
    // Every member's line has a segment: a move and at least two line-tos.
    for (const std::string& d : page.Strings(svg + "//path[@class='series']/@d")) {
      EXPECT_EQ(d[0], 'M') << d;
      EXPECT_GE(std::count(d.begin(), d.end(), 'L'), 2) << d;
    }
    EXPECT_EQ(page.Count(svg + "//g[@class='legend-item']"), 4u) << "chart " << chart;
  }
}

TEST_F(GridReportInBrowser, AScriptInAMemberNameRendersAsTextAndNeverRuns) {
  const std::string dom = RunChromium({"--dump-dom"});
  ParsedHtml page(dom);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.Count("//script"), 0u);
  EXPECT_THAT(page.Strings("/html/head/title"), ElementsAre("grid lr_sweep"));
  EXPECT_THAT(page.Strings("//div[@id='error-2']/pre"), ElementsAre("RuntimeError: <nan> & loss"));
}

TEST_F(GridReportInBrowser, ScreenshotIsAPngOfTheWindowSize) {
  const std::string png = tree_.Path("report.png");
  RunChromium({"--screenshot=" + png});
  absl::StatusOr<std::string> bytes = ReadFileToString(png);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_GT(bytes->size(), 33u);
  EXPECT_EQ(bytes->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes->substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i)
      value = value << 8 | static_cast<unsigned char>((*bytes)[at + i]);
    return value;
  };
  EXPECT_EQ(be32(16), 1200u);
  EXPECT_EQ(be32(20), 900u);
  // A page of text, a table and charts does not compress like a blank one.
  EXPECT_GT(bytes->size(), 20000u);
}

}  // namespace
}  // namespace heyhi
