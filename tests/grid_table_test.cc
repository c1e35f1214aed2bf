// Tests of the grid table's renderings: text, JSON and the HTML report.
#include "heyhi/cli/grid_table.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "nlohmann/json.hpp"
#include "parsed_html.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

GridTable::Row Member(int index, std::string name, std::string status, std::string sig) {
  GridTable::Row row;
  row.index = index;
  row.name = std::move(name);
  row.status = std::move(status);
  row.sig = std::move(sig);
  row.exp_dir = "/exp/mnist/" + row.sig;
  return row;
}

// Four members of a learning-rate by batch-size grid, in every state.
GridTable Sample() {
  GridTable table;
  table.grid_name = "lr_sweep";
  table.shared = {"epochs=10", "optimizer=adam"};
  table.metric_names = {"loss", "accuracy"};
  GridTable::Row done = Member(0, "lr=0.1 batch=32", "DONE", "0123456789ab");
  done.job_id = "local:4242@gpu1";
  done.epoch = 10;
  done.metrics = {0.123456, 0.98765};
  done.log_age_s = 3 * 3600 + 5;
  GridTable::Row running = Member(1, "lr=0.01 batch=32", "RUNNING", "bcdef0123456");
  running.job_id = "slurm:45_1";
  running.epoch = 2.5;
  running.metrics = {1.5, std::nullopt};
  running.log_age_s = 12;
  GridTable::Row waiting = Member(2, "lr=0.1 batch=256", "NOT_STARTED", "cdef01234567");
  waiting.metrics = {std::nullopt, std::nullopt};
  GridTable::Row dead = Member(3, "lr=1 batch=256", "DEAD", "def012345678");
  dead.job_id = "slurm:45_3";
  dead.epoch = 0;
  dead.metrics = {12345678.0, 0.1};
  dead.log_age_s = 3 * 86400;
  dead.error = "Traceback (most recent call last):\n  File \"train.py\"\nRuntimeError: nan loss\n";
  table.rows = {done, running, waiting, dead};
  return table;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// The lines of the columns: from the IDX header to the first blank line.
std::vector<std::string> TableLines(const std::string& text) {
  std::vector<std::string> out;
  bool in_table = false;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("IDX", 0) == 0 || line.rfind("  IDX", 0) == 0) in_table = true;
    if (in_table && line.empty()) break;
    if (in_table) out.push_back(line);
  }
  return out;
}

// Where each whitespace-separated word of `line` ends.
std::vector<size_t> WordEnds(const std::string& line) {
  std::vector<size_t> ends;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != ' ' && (i + 1 == line.size() || line[i + 1] == ' ')) ends.push_back(i + 1);
  }
  return ends;
}

// --- ShortAge, ShortNumber -------------------------------------------------

TEST(ShortAge, IsSecondsThenMinutesThenHoursThenDays) {
  EXPECT_EQ(ShortAge(0), "0s");
  EXPECT_EQ(ShortAge(12), "12s");
  EXPECT_EQ(ShortAge(119), "119s");
  EXPECT_EQ(ShortAge(5 * 60 + 59), "5m");
  EXPECT_EQ(ShortAge(3 * 3600 + 1), "3h");
  EXPECT_EQ(ShortAge(2 * 86400), "2d");
  EXPECT_EQ(ShortAge(400 * 86400), "400d");
}

TEST(ShortAge, NegativeAgesFromClockSkewAreZero) { EXPECT_EQ(ShortAge(-5), "0s"); }

TEST(ShortNumber, HasFourSignificantDigits) {
  EXPECT_EQ(ShortNumber(0.123456), "0.1235");
  EXPECT_EQ(ShortNumber(10), "10");
  EXPECT_EQ(ShortNumber(2.5), "2.5");
  EXPECT_EQ(ShortNumber(12345678), "1.235e+07");
  EXPECT_EQ(ShortNumber(-0.00001234), "-1.234e-05");
  EXPECT_EQ(ShortNumber(kNan), "nan");
  EXPECT_EQ(ShortNumber(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(ShortNumber(-std::numeric_limits<double>::infinity()), "-inf");
}

// --- GridTableText -----------------------------------------------------------

TEST(GridTableText, HeaderNamesTheGridAndCountsEachStatusInStatusOrder) {
  GridTable table = Sample();
  table.rows.push_back(Member(4, "lr=2", "DONE", "ef0123456789"));
  table.rows.push_back(Member(5, "lr=3", "DROPPED", "f0123456789a"));
  EXPECT_EQ(Lines(GridTableText(table))[0],
            "grid lr_sweep: 6 members: 1 NOT_STARTED, 1 RUNNING, 2 DONE, 1 DEAD, 1 DROPPED");
}

TEST(GridTableText, StatusesNotOfTheKnownFiveAreCountedAfterThem) {
  GridTable table = Sample();
  table.rows[1].status = "UNKNOWN";
  EXPECT_EQ(Lines(GridTableText(table))[0],
            "grid lr_sweep: 4 members: 1 NOT_STARTED, 1 DONE, 1 DEAD, 1 UNKNOWN");
}

TEST(GridTableText, OneMemberIsSingular) {
  GridTable table;
  table.grid_name = "one";
  table.rows = {Member(0, "", "DONE", "0123456789ab")};
  EXPECT_EQ(Lines(GridTableText(table))[0], "grid one: 1 member: 1 DONE");
}

TEST(GridTableText, AnEmptyGridSaysSoAndPrintsNoColumns) {
  GridTable table;
  table.grid_name = "empty";
  EXPECT_EQ(GridTableText(table), "grid empty: no members\n");
}

TEST(GridTableText, SharedOverridesArePrintedOnceAboveTheColumns) {
  const std::string text = GridTableText(Sample());
  const std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(lines[1], "shared: epochs=10 optimizer=adam");
  EXPECT_EQ(lines[2].find("IDX"), lines[2].find_first_not_of(' '));
  EXPECT_EQ(text.find("epochs=10"), text.rfind("epochs=10"));
}

TEST(GridTableText, NoSharedLineWhenNothingIsShared) {
  GridTable table = Sample();
  table.shared.clear();
  EXPECT_THAT(GridTableText(table), Not(HasSubstr("shared")));
  EXPECT_THAT(Lines(GridTableText(table))[1], HasSubstr("IDX"));
}

TEST(GridTableText, ColumnsAreInOrderWithTheMetricsBeforeTheLogAge) {
  const std::vector<std::string> table = TableLines(GridTableText(Sample()));
  ASSERT_EQ(table.size(), 5u);
  const std::vector<std::string> words = absl::StrSplit(table[0], ' ', absl::SkipEmpty());
  EXPECT_THAT(words, ElementsAre("IDX", "NAME", "STATUS", "SIG", "JOB", "EPOCH", "loss", "accuracy",
                                 "LOG_AGE"));
}

TEST(GridTableText, TextColumnsStartAndNumberColumnsEndAtTheSameOffsetOnEveryLine) {
  const std::vector<std::string> table = TableLines(GridTableText(Sample()));
  ASSERT_EQ(table.size(), 5u);
  const std::string& header = table[0];
  for (const char* column : {"STATUS", "SIG", "JOB"}) {
    const size_t start = header.find(column);
    for (size_t i = 1; i < table.size(); ++i) {
      ASSERT_GT(table[i].size(), start);
      EXPECT_NE(table[i][start], ' ') << column << " in line " << i << ": " << table[i];
      EXPECT_EQ(table[i][start - 1], ' ') << column << " in line " << i << ": " << table[i];
    }
  }
  // The names hold spaces: the columns after NAME are compared by their ends,
  // counted from the right, where numbers align.
  const std::vector<size_t> header_ends = WordEnds(header);
  for (size_t i = 1; i < table.size(); ++i) {
    const std::vector<size_t> ends = WordEnds(table[i]);
    ASSERT_GE(ends.size(), 4u);
    for (size_t k = 1; k <= 4; ++k) {  // LOG_AGE, accuracy, loss, EPOCH
      EXPECT_EQ(ends[ends.size() - k], header_ends[header_ends.size() - k])
          << "line " << i << ": " << table[i];
    }
  }
  EXPECT_EQ(table[1].find_first_not_of(' '), header.find("IDX") + 2);  // "0" under "IDX"'s end
}

TEST(GridTableText, NoLineEndsInSpaces) {
  GridTable table = Sample();
  table.metric_names.push_back("a_very_long_metric_name_wider_than_any_value");
  for (const std::string& line : Lines(GridTableText(table))) {
    if (!line.empty()) {
      EXPECT_NE(line.back(), ' ') << line;
    }
  }
}

TEST(GridTableText, MissingValuesAreDashes) {
  const std::vector<std::string> table = TableLines(GridTableText(Sample()));
  // NOT_STARTED: no job, no epoch, no metrics, no log.
  const std::vector<std::string> words = absl::StrSplit(table[3], ' ', absl::SkipEmpty());
  EXPECT_THAT(words, ElementsAre("2", "lr=0.1", "batch=256", "NOT_STARTED", "cdef01234567", "-",
                                 "-", "-", "-", "-"));
}

TEST(GridTableText, MetricsMissingFromTheEndOfARowAreDashes) {
  GridTable table = Sample();
  table.rows[0].metrics = {0.5};  // shorter than metric_names
  const std::vector<std::string> words =
      absl::StrSplit(TableLines(GridTableText(table))[1], ' ', absl::SkipEmpty());
  EXPECT_THAT(words, ElementsAre("0", "lr=0.1", "batch=32", "DONE", "0123456789ab",
                                 "local:4242@gpu1", "10", "0.5", "-", "3h"));
}

TEST(GridTableText, ALoneMembersEmptyNameIsADash) {
  GridTable table;
  table.grid_name = "one";
  table.rows = {Member(0, "", "RUNNING", "0123456789ab")};
  const std::vector<std::string> words =
      absl::StrSplit(TableLines(GridTableText(table))[1], ' ', absl::SkipEmpty());
  EXPECT_THAT(words, ElementsAre("0", "-", "RUNNING", "0123456789ab", "-", "-", "-"));
}

TEST(GridTableText, NumbersHaveFourSignificantDigitsAndAgesAUnit) {
  const std::vector<std::string> table = TableLines(GridTableText(Sample()));
  EXPECT_THAT(table[1], HasSubstr(" 0.1235 "));
  EXPECT_THAT(table[1], HasSubstr(" 0.9877 "));
  EXPECT_THAT(table[1], HasSubstr(" 3h"));
  EXPECT_THAT(table[2], HasSubstr(" 2.5 "));
  EXPECT_THAT(table[2], HasSubstr(" 12s"));
  EXPECT_THAT(table[4], HasSubstr(" 1.235e+07 "));
  EXPECT_THAT(table[4], HasSubstr(" 3d"));
}

TEST(GridTableText, NotANumberIsShownAsNan) {
  GridTable table = Sample();
  table.rows[0].metrics[0] = kNan;
  EXPECT_THAT(TableLines(GridTableText(table))[1], HasSubstr(" nan "));
}

TEST(GridTableText, ControlCharactersAreEscapedSoEachRowStaysOneLine) {
  GridTable table = Sample();
  table.rows[0].name = "msg=\"a\nb\tc\x1b[31m\"";
  table.shared = {"note=\"x\ny\""};
  const std::string text = GridTableText(table);
  EXPECT_THAT(text, HasSubstr("msg=\"a\\nb\\tc\\x1b[31m\""));
  EXPECT_THAT(text, HasSubstr("shared: note=\"x\\ny\""));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_EQ(TableLines(text).size(), 5u);
}

TEST(GridTableText, NonAsciiNamesAlignByCharactersNotBytes) {
  GridTable table = Sample();
  table.rows[0].name = "tag=\u00e9t\u00e9";  // 8 characters, 10 bytes
  table.rows[1].name = "tag=abcd";           // 8 characters
  const std::vector<std::string> lines = TableLines(GridTableText(table));
  // The same number of characters before STATUS on both lines.
  auto chars_before = [](const std::string& line, const std::string& word) {
    size_t count = 0;
    for (size_t i = 0; i < line.find(word); ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xc0) != 0x80) ++count;
    }
    return count;
  };
  EXPECT_EQ(chars_before(lines[1], "DONE"), chars_before(lines[2], "RUNNING"));
  EXPECT_EQ(chars_before(lines[1], "DONE"), chars_before(lines[0], "STATUS"));
}

TEST(GridTableText, ErrorsOfDeadMembersFollowTheColumnsIndented) {
  const std::string text = GridTableText(Sample());
  EXPECT_THAT(text, HasSubstr("\n\n3 lr=1 batch=256: DEAD, /exp/mnist/def012345678\n"
                              "    Traceback (most recent call last):\n"
                              "      File \"train.py\"\n"
                              "    RuntimeError: nan loss\n"));
  EXPECT_EQ(text.find("Traceback"), text.rfind("Traceback"));
}

TEST(GridTableText, WithoutErrorsTheColumnsEndTheText) {
  GridTable table = Sample();
  table.rows[3].error.clear();
  const std::vector<std::string> lines = Lines(GridTableText(table));
  EXPECT_EQ(lines.size(), 2 + 5u);
  EXPECT_THAT(lines.back(), HasSubstr("slurm:45_3"));
}

// --- GridTableJson -----------------------------------------------------------

TEST(GridTableJson, ParsesBackToEveryValueOfTheTable) {
  const GridTable table = Sample();
  const nlohmann::json doc = nlohmann::json::parse(GridTableJson(table));
  EXPECT_EQ(doc["grid"], "lr_sweep");
  EXPECT_EQ(doc["shared"], nlohmann::json::array({"epochs=10", "optimizer=adam"}));
  EXPECT_EQ(doc["metrics"], nlohmann::json::array({"loss", "accuracy"}));
  ASSERT_EQ(doc["rows"].size(), table.rows.size());
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const GridTable::Row& row = table.rows[i];
    const nlohmann::json& got = doc["rows"][i];
    EXPECT_EQ(got["index"], row.index);
    EXPECT_EQ(got["name"], row.name);
    EXPECT_EQ(got["status"], row.status);
    EXPECT_EQ(got["sig"], row.sig);
    EXPECT_EQ(got["exp_dir"], row.exp_dir);
    if (row.job_id.empty()) {
      EXPECT_TRUE(got["job_id"].is_null());
    } else {
      EXPECT_EQ(got["job_id"], row.job_id);
    }
    if (row.epoch) {
      EXPECT_DOUBLE_EQ(got["epoch"].get<double>(), *row.epoch);
    } else {
      EXPECT_TRUE(got["epoch"].is_null());
    }
    for (size_t m = 0; m < table.metric_names.size(); ++m) {
      const nlohmann::json& value = got["metrics"][table.metric_names[m]];
      if (row.metrics[m]) {
        EXPECT_DOUBLE_EQ(value.get<double>(), *row.metrics[m]);  // full precision, not %.4g
      } else {
        EXPECT_TRUE(value.is_null());
      }
    }
    if (row.log_age_s) {
      EXPECT_EQ(got["log_age_s"], *row.log_age_s);
    } else {
      EXPECT_TRUE(got["log_age_s"].is_null());
    }
    if (row.error.empty()) {
      EXPECT_TRUE(got["error"].is_null());
    } else {
      EXPECT_EQ(got["error"], row.error);
    }
  }
}

TEST(GridTableJson, KeysComeInTheDocumentedOrder) {
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(GridTableJson(Sample()));
  std::vector<std::string> keys, row_keys, metric_keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  for (const auto& [key, value] : doc["rows"][0].items()) row_keys.push_back(key);
  for (const auto& [key, value] : doc["rows"][0]["metrics"].items()) metric_keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("grid", "shared", "metrics", "counts", "rows"));
  EXPECT_THAT(row_keys, ElementsAre("index", "name", "status", "sig", "job_id", "epoch", "metrics",
                                    "log_age_s", "exp_dir", "error"));
  EXPECT_THAT(metric_keys, ElementsAre("loss", "accuracy"));
}

TEST(GridTableJson, CountsEachStatus) {
  const nlohmann::json doc = nlohmann::json::parse(GridTableJson(Sample()));
  EXPECT_EQ(doc["counts"],
            nlohmann::json({{"NOT_STARTED", 1}, {"RUNNING", 1}, {"DONE", 1}, {"DEAD", 1}}));
}

TEST(GridTableJson, MissingAndNonFiniteValuesAreNull) {
  GridTable table = Sample();
  table.rows[0].metrics = {kNan, std::numeric_limits<double>::infinity()};
  table.rows[0].epoch = kNan;
  const nlohmann::json doc = nlohmann::json::parse(GridTableJson(table));
  EXPECT_TRUE(doc["rows"][0]["metrics"]["loss"].is_null());
  EXPECT_TRUE(doc["rows"][0]["metrics"]["accuracy"].is_null());
  EXPECT_TRUE(doc["rows"][0]["epoch"].is_null());
  EXPECT_TRUE(doc["rows"][1]["metrics"]["accuracy"].is_null());
  EXPECT_TRUE(doc["rows"][2]["job_id"].is_null());
  EXPECT_TRUE(doc["rows"][2]["log_age_s"].is_null());
}

TEST(GridTableJson, QuotesNewlinesAndMarkupRoundTrip) {
  GridTable table = Sample();
  table.grid_name = "g\"<b>";
  table.rows[0].name = "msg=\"a\\nb\" <script>alert(1)</script>\n\t\x01";
  table.shared = {"x='\\''"};
  const nlohmann::json doc = nlohmann::json::parse(GridTableJson(table));
  EXPECT_EQ(doc["grid"], table.grid_name);
  EXPECT_EQ(doc["rows"][0]["name"], table.rows[0].name);
  EXPECT_EQ(doc["shared"][0], table.shared[0]);
}

TEST(GridTableJson, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  GridTable table = Sample();
  table.rows[0].name = "tag=\xff\xfe";
  table.rows[3].error = "bad \xc3 byte";
  std::string text;
  ASSERT_NO_THROW(text = GridTableJson(table));
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["rows"][0]["name"], "tag=\ufffd\ufffd");
  EXPECT_EQ(doc["rows"][3]["error"], "bad \ufffd byte");
}

TEST(GridTableJson, AnEmptyGridHasEmptyLists) {
  GridTable table;
  table.grid_name = "empty";
  const nlohmann::json doc = nlohmann::json::parse(GridTableJson(table));
  EXPECT_TRUE(doc["rows"].is_array());
  EXPECT_TRUE(doc["rows"].empty());
  EXPECT_TRUE(doc["shared"].is_array());
  EXPECT_TRUE(doc["metrics"].is_array());
  EXPECT_TRUE(doc["counts"].is_object());
}

// --- GridReportHtml ----------------------------------------------------------

MetricCharts SampleCharts(const GridTable& table) {
  MetricCharts charts;
  charts.metrics = table.metric_names;
  for (size_t m = 0; m < table.metric_names.size(); ++m) {
    std::vector<ChartSeries> series;
    for (const GridTable::Row& row : table.rows) {
      series.push_back({row.name, {{0, 1.0 + m}, {1, 0.5 + m}, {2, 0.25 + m}}});
    }
    charts.series.push_back(series);
  }
  return charts;
}

TEST(GridReportHtml, HasOneRowPerMemberMarkedWithItsStatus) {
  const GridTable table = Sample();
  ParsedHtml page(GridReportHtml(table, SampleCharts(table)));
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page.Strings("//table[@class='members']/tbody/tr/@data-status"),
              ElementsAre("DONE", "RUNNING", "NOT_STARTED", "DEAD"));
  EXPECT_THAT(page.Strings("//table[@class='members']/tbody/tr/@class"),
              ElementsAre("status-DONE", "status-RUNNING", "status-NOT_STARTED", "status-DEAD"));
  EXPECT_THAT(page.Strings("//tbody/tr/@data-sig"),
              ElementsAre("0123456789ab", "bcdef0123456", "cdef01234567", "def012345678"));
  EXPECT_THAT(page.Strings("//thead/tr/th"), ElementsAre("IDX", "NAME", "STATUS", "SIG", "JOB",
                                                         "EPOCH", "loss", "accuracy", "LOG_AGE"));
}

TEST(GridReportHtml, CellsHoldTheValuesTheTextShows) {
  const GridTable table = Sample();
  ParsedHtml page(GridReportHtml(table, SampleCharts(table)));
  EXPECT_THAT(page.Strings("//tbody/tr[1]/td"),
              ElementsAre("0", "lr=0.1 batch=32", "DONE", "0123456789ab", "local:4242@gpu1", "10",
                          "0.1235", "0.9877", "3h"));
  EXPECT_THAT(
      page.Strings("//tbody/tr[3]/td"),
      ElementsAre("2", "lr=0.1 batch=256", "NOT_STARTED", "cdef01234567", "-", "-", "-", "-", "-"));
  EXPECT_THAT(page.Strings("//tbody/tr[1]/td[@class='sig']/@title"),
              ElementsAre("/exp/mnist/0123456789ab"));
}

TEST(GridReportHtml, CountsAndSharedOverridesAreShownOnce) {
  const GridTable table = Sample();
  const std::string html = GridReportHtml(table, SampleCharts(table));
  ParsedHtml page(html);
  EXPECT_THAT(page.Strings("//p[@class='counts']/span[@data-status]/@data-status"),
              ElementsAre("NOT_STARTED", "RUNNING", "DONE", "DEAD"));
  EXPECT_THAT(page.Strings("//p[@class='counts']/span[@class='members']"),
              ElementsAre("4 members"));
  EXPECT_THAT(page.Strings("//p[@class='shared']/code"),
              ElementsAre("epochs=10", "optimizer=adam"));
  EXPECT_EQ(html.find("optimizer=adam"), html.rfind("optimizer=adam"));
}

TEST(GridReportHtml, TheErrorOfADeadMemberIsShownAndLinkedFromItsRow) {
  const GridTable table = Sample();
  ParsedHtml page(GridReportHtml(table, SampleCharts(table)));
  EXPECT_THAT(page.Strings("//div[@class='error']/@id"), ElementsAre("error-3"));
  EXPECT_THAT(page.Strings("//div[@id='error-3']/pre"),
              ElementsAre("Traceback (most recent call last):\n  File \"train.py\"\n"
                          "RuntimeError: nan loss"));
  EXPECT_THAT(page.Strings("//tbody/tr[4]/td[@class='status']/a/@href"), ElementsAre("#error-3"));
  EXPECT_EQ(page.Count("//tbody/tr[1]/td[@class='status']/a"), 0u);
}

TEST(GridReportHtml, MarkupInNamesOverridesAndErrorsIsEscapedToText) {
  GridTable table = Sample();
  table.grid_name = "<b>grid</b>";
  table.shared = {"note=\"</code><script>alert(1)</script>\""};
  table.metric_names[0] = "loss<i>";
  table.rows[0].name = "<script>alert('x')</script>";
  table.rows[0].sig = "\"><img src=x onerror=alert(1)>";
  table.rows[0].job_id = "local:1@<host>";
  table.rows[0].exp_dir = "/exp/\" onmouseover=\"alert(1)";
  table.rows[3].error = "</pre><script>alert(2)</script> & more";
  table.rows[1].status = "RUN NING\"<";
  MetricCharts charts = SampleCharts(table);
  charts.series[0][0].label = "<script>alert(3)</script>";
  const std::string html = GridReportHtml(table, charts);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(html, Not(HasSubstr("<i>")));
  ParsedHtml page(html);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.Count("//script"), 0u);
  EXPECT_EQ(page.Count("//img"), 0u);
  EXPECT_EQ(page.Count("//tbody/tr"), 4u);
  EXPECT_EQ(page.Count("//@onmouseover"), 0u);
  EXPECT_EQ(page.Count("//@onerror"), 0u);
  EXPECT_THAT(page.Strings("//tbody/tr[1]/td[@class='name']"),
              ElementsAre("<script>alert('x')</script>"));
  EXPECT_THAT(page.Strings("//tbody/tr[1]/td[@class='sig']"),
              ElementsAre("\"><img src=x onerror=alert(1)>"));
  EXPECT_THAT(page.Strings("//tbody/tr[1]/td[@class='sig']/@title"),
              ElementsAre("/exp/\" onmouseover=\"alert(1)"));
  EXPECT_THAT(page.Strings("//p[@class='shared']/code"),
              ElementsAre("note=\"</code><script>alert(1)</script>\""));
  EXPECT_THAT(page.Strings("//div[@id='error-3']/pre"),
              ElementsAre("</pre><script>alert(2)</script> & more"));
  EXPECT_THAT(page.Strings("/html/head/title"), ElementsAre("grid <b>grid</b>"));
  EXPECT_THAT(page.Strings("(//svg)[1]/title"), ElementsAre("loss<i>"));
  EXPECT_THAT(page.Strings("(//svg)[1]//g[@class='legend-item']/title"),
              ElementsAre("<script>alert(3)</script>", "lr=0.01 batch=32", "lr=0.1 batch=256",
                          "lr=1 batch=256"));
  // A status is a class name of plain characters, and the whole text elsewhere.
  EXPECT_THAT(page.Strings("//tbody/tr[2]/@class"), ElementsAre("status-RUN_NING__"));
  EXPECT_THAT(page.Strings("//tbody/tr[2]/@data-status"), ElementsAre("RUN NING\"<"));
}

TEST(GridReportHtml, FetchesNothingAndRunsNothing) {
  const GridTable table = Sample();
  const std::string html = GridReportHtml(table, SampleCharts(table));
  ParsedHtml page(html);
  EXPECT_EQ(page.Count("//script"), 0u);
  EXPECT_EQ(page.Count("//link"), 0u);
  EXPECT_EQ(page.Count("//img"), 0u);
  EXPECT_EQ(page.Count("//@src"), 0u);
  EXPECT_EQ(page.Count("//*[local-name()='image' or local-name()='use']"), 0u);
  for (const std::string& href : page.Strings("//@href")) EXPECT_EQ(href[0], '#') << href;
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("https:")));
  // The only "http:" is the SVG namespace, which names and fetches nothing.
  size_t at = 0;
  while ((at = html.find("http:", at)) != std::string::npos) {
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(at, 40);
    ++at;
  }
  EXPECT_THAT(page.Strings("//meta[@http-equiv='Content-Security-Policy']/@content"),
              ElementsAre(HasSubstr("default-src 'none'")));
}

TEST(GridReportHtml, DrawsOneChartPerMetricWithALinePerMember) {
  const GridTable table = Sample();
  ParsedHtml page(GridReportHtml(table, SampleCharts(table)));
  EXPECT_THAT(page.Strings("//figure[@class='chart']/@data-metric"),
              ElementsAre("loss", "accuracy"));
  EXPECT_EQ(page.Count("//figure[@class='chart']/svg"), 2u);
  EXPECT_EQ(page.Count("//svg"), 2u);
  for (int chart = 1; chart <= 2; ++chart) {
    EXPECT_THAT(
        page.Strings("(//figure[@class='chart'])[" + std::to_string(chart) +
                     "]/svg//path[@class='series']/@data-label"),
        ElementsAre("lr=0.1 batch=32", "lr=0.01 batch=32", "lr=0.1 batch=256", "lr=1 batch=256"));
  }
}

TEST(GridReportHtml, AMetricWithoutLinesIsAChartSayingNoData) {
  const GridTable table = Sample();
  MetricCharts charts;
  charts.metrics = {"loss"};  // and no series at all
  ParsedHtml page(GridReportHtml(table, charts));
  EXPECT_EQ(page.Count("//figure[@class='chart']/svg"), 1u);
  EXPECT_THAT(page.Strings("//svg//text[@class='no-data']"), ElementsAre("no data"));
}

TEST(GridReportHtml, WithoutMetricsSaysSoInsteadOfCharts) {
  GridTable table = Sample();
  table.metric_names.clear();
  for (GridTable::Row& row : table.rows) row.metrics.clear();
  ParsedHtml page(GridReportHtml(table, MetricCharts{}));
  EXPECT_EQ(page.Count("//svg"), 0u);
  EXPECT_THAT(page.Strings("//p[@class='no-charts']"), ElementsAre("No metrics."));
  EXPECT_EQ(page.Count("//tbody/tr"), 4u);
}

TEST(GridReportHtml, AnEmptyGridIsStillAWholePage) {
  GridTable table;
  table.grid_name = "empty";
  const std::string html = GridReportHtml(table, MetricCharts{});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("</html>"));
  ParsedHtml page(html);
  EXPECT_EQ(page.Count("//tbody/tr"), 0u);
  EXPECT_THAT(page.Strings("//p[@class='counts']/span[@class='members']"),
              ElementsAre("no members"));
}

// --- GridTableCharts ---------------------------------------------------------

TEST(GridTableCharts, ReadsEachMembersMetricsFileAsOneLinePerMember) {
  TempTree tree;
  GridTable table;
  table.metric_names = {"loss"};
  for (int i = 0; i < 3; ++i) {
    GridTable::Row row = Member(i, i == 1 ? "" : "lr=" + std::to_string(i), "DONE",
                                "00000000000" + std::to_string(i));
    row.exp_dir = tree.Path("xp" + std::to_string(i));
    std::string lines;
    for (int epoch = 0; epoch <= i; ++epoch) {
      lines += "{\"epoch\": " + std::to_string(epoch) +
               ", \"loss\": " + std::to_string(1.0 / (epoch + 1)) + ", \"acc\": 0.5}\n";
    }
    tree.Write("xp" + std::to_string(i) + "/" + kMetricsFile, lines);
    table.rows.push_back(row);
  }
  std::vector<std::string> warnings;
  const MetricCharts charts = GridTableCharts(table, &warnings);
  EXPECT_THAT(warnings, ::testing::IsEmpty());
  EXPECT_THAT(charts.metrics, ElementsAre("loss"));
  ASSERT_EQ(charts.series.size(), 1u);
  ASSERT_EQ(charts.series[0].size(), 3u);
  EXPECT_EQ(charts.series[0][0].label, "0 lr=0");
  EXPECT_EQ(charts.series[0][1].label, "1 000000000001");  // no name: the sig
  EXPECT_EQ(charts.series[0][2].label, "2 lr=2");
  EXPECT_EQ(charts.series[0][2].points.size(), 3u);
}

TEST(GridTableCharts, WithoutMetricNamesChartsEveryNumericMetric) {
  TempTree tree;
  GridTable table;
  GridTable::Row row = Member(0, "", "DONE", "0123456789ab");
  row.exp_dir = tree.Path("xp");
  tree.Write(std::string("xp/") + kMetricsFile,
             "{\"epoch\": 0, \"step\": 1, \"b\": 1, \"a\": 2}\n");
  table.rows.push_back(row);
  std::vector<std::string> warnings;
  EXPECT_THAT(GridTableCharts(table, &warnings).metrics, ElementsAre("a", "b"));
}

}  // namespace
}  // namespace heyhi
