// Tests of the SVG line charts, read back with a real XML parser (libxml2).
#include "heyhi/cli/svg_chart.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// An SVG document parsed by libxml2 and queried by XPath, the SVG namespace
// bound to the prefix "s".
class ParsedSvg {
 public:
  explicit ParsedSvg(const std::string& text)
      : doc_(xmlReadMemory(text.data(), static_cast<int>(text.size()), "chart.svg", nullptr,
                           XML_PARSE_NONET)) {
    if (doc_ == nullptr) return;
    context_ = xmlXPathNewContext(doc_);
    xmlXPathRegisterNs(context_, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
  }
  ~ParsedSvg() {
    if (context_ != nullptr) xmlXPathFreeContext(context_);
    if (doc_ != nullptr) xmlFreeDoc(doc_);
  }
  ParsedSvg(const ParsedSvg&) = delete;
  ParsedSvg& operator=(const ParsedSvg&) = delete;

  bool ok() const { return doc_ != nullptr; }

  // The text of each node `xpath` selects: an attribute's value, an
  // element's text content.
  std::vector<std::string> Strings(const std::string& xpath) const {
    std::vector<std::string> out;
    if (context_ == nullptr) return out;
    xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), context_);
    if (result == nullptr) {
      ADD_FAILURE() << "bad XPath " << xpath;
      return out;
    }
    if (result->nodesetval != nullptr) {
      for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
        xmlChar* content = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
        out.emplace_back(content == nullptr ? "" : reinterpret_cast<const char*>(content));
        xmlFree(content);
      }
    }
    xmlXPathFreeObject(result);
    return out;
  }

  std::vector<double> Numbers(const std::string& xpath) const {
    std::vector<double> out;
    for (const std::string& text : Strings(xpath)) {
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(text, &value)) << xpath << ": " << text;
      out.push_back(value);
    }
    return out;
  }

  std::string RootName() const {
    const xmlNode* root = xmlDocGetRootElement(doc_);
    return root == nullptr ? "" : reinterpret_cast<const char*>(root->name);
  }
  std::string RootNamespace() const {
    const xmlNode* root = xmlDocGetRootElement(doc_);
    return root == nullptr || root->ns == nullptr ? ""
                                                  : reinterpret_cast<const char*>(root->ns->href);
  }

 private:
  xmlDocPtr doc_ = nullptr;
  xmlXPathContextPtr context_ = nullptr;
};

constexpr char kSeriesPaths[] = "//s:path[@class='series']";
constexpr char kYTickLabels[] = "//s:g[contains(@class,'y-axis')]/s:text[@class='tick-label']";
constexpr char kXTickLabels[] = "//s:g[contains(@class,'x-axis')]/s:text[@class='tick-label']";

// The (x, y) pairs of a path's M and L commands.
std::vector<std::pair<double, double>> PathPoints(const std::string& d) {
  static const std::regex kPoint(R"re([ML](-?[0-9.]+),(-?[0-9.]+))re");
  std::vector<std::pair<double, double>> out;
  for (std::sregex_iterator it(d.begin(), d.end(), kPoint), end; it != end; ++it) {
    out.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  }
  return out;
}

size_t Count(const std::string& text, char c) { return std::count(text.begin(), text.end(), c); }

std::vector<ChartSeries> TwoRuns() {
  return {{"lr=0.1", {{0, 2.3}, {1, 1.7}, {2, 1.2}, {3, 0.9}, {4, 0.8}}},
          {"lr=0.01", {{0, 2.3}, {1, 2.0}, {2, 1.8}, {3, 1.6}, {4, 1.5}}}};
}

std::vector<std::pair<double, double>> Line(int n, double y0, double slope) {
  std::vector<std::pair<double, double>> points;
  for (int i = 0; i < n; ++i) points.emplace_back(i, y0 + slope * i);
  return points;
}

// Charts of all the shapes the other tests look at more closely.
std::vector<std::pair<std::vector<ChartSeries>, ChartOptions>> VariedCharts() {
  ChartOptions titled;
  titled.title = "loss";
  titled.y_label = "train loss";
  ChartOptions tiny;
  tiny.width = 10;
  tiny.height = 10;
  std::vector<ChartSeries> many;
  for (int i = 0; i < 25; ++i) many.push_back({absl::StrCat("exp", i), Line(10, i, 0.1 * i)});
  return {
      {TwoRuns(), titled},
      {TwoRuns(), tiny},
      {many, titled},
      {{{"long", Line(500, 0, 0.01)}}, {}},
      {{{"negative", {{0, -3}, {5, 1234}}}}, titled},
      {{{"huge", {{0, 1e12}, {1, 5e12}}}}, {}},
      {{{"tiny range", {{0, 1.0000001}, {1, 1.0000003}}}}, {}},
      {{{"single", {{7, 0.5}}}}, titled},
      {{{"flat", Line(5, 0, 0)}}, {}},
      {{{"a label far too long for the legend to show in full, so it is cut", Line(3, 1, 1)}}, {}},
      {{{"unicode \u00fc\u2192\u03bb", Line(3, 1, 1)}}, {}},
      {{{"control \x01\t\n chars", Line(3, 1, 1)}}, {}},
      {{{"fractional epochs", {{0.25, 1}, {0.5, 2}, {0.75, 1.5}}}}, {}},
  };
}

TEST(SvgChart, OutputParsesAsXml) {
  for (const auto& [series, options] : VariedCharts()) {
    const std::string svg = LineChartSvg(series, options);
    ParsedSvg parsed(svg);
    ASSERT_TRUE(parsed.ok()) << svg;
    EXPECT_EQ(parsed.RootName(), "svg");
    EXPECT_EQ(parsed.RootNamespace(), "http://www.w3.org/2000/svg");
    EXPECT_EQ(parsed.Strings(kSeriesPaths).size(), series.size());
  }
}

TEST(SvgChart, OutputIsSelfContained) {
  for (const auto& [series, options] : VariedCharts()) {
    const std::string svg = LineChartSvg(series, options);
    ParsedSvg parsed(svg);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed.Strings("//s:script|//s:image|//s:use|//s:style").empty()) << svg;
    EXPECT_TRUE(parsed.Strings("//@*[local-name()='href']").empty()) << svg;
    EXPECT_THAT(svg, Not(HasSubstr("url(")));
    EXPECT_THAT(svg, Not(HasSubstr("<?xml-stylesheet")));
  }
}

TEST(SvgChart, SizeIsTheOptionsSizeWithAFloor) {
  ChartOptions options;
  options.width = 800;
  options.height = 300;
  ParsedSvg parsed(LineChartSvg(TwoRuns(), options));
  EXPECT_THAT(parsed.Strings("/s:svg/@width"), ElementsAre("800"));
  EXPECT_THAT(parsed.Strings("/s:svg/@height"), ElementsAre("300"));
  EXPECT_THAT(parsed.Strings("/s:svg/@viewBox"), ElementsAre("0 0 800 300"));
  options.width = 10;
  options.height = 10;
  ParsedSvg tiny(LineChartSvg(TwoRuns(), options));
  EXPECT_THAT(tiny.Strings("/s:svg/@width"), ElementsAre("200"));
  EXPECT_THAT(tiny.Strings("/s:svg/@height"), ElementsAre("150"));
}

TEST(SvgChart, OnePathPerSeriesWithItsDataLabel) {
  std::vector<ChartSeries> series = TwoRuns();
  series.push_back({"no finite point", {{0, kNan}}});
  const std::string svg = LineChartSvg(series, {});
  ParsedSvg parsed(svg);
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed.Strings(absl::StrCat(kSeriesPaths, "/@data-label")),
              ElementsAre("lr=0.1", "lr=0.01", "no finite point"));
  EXPECT_THAT(parsed.Strings("//s:g[@class='legend-item']/s:text"),
              ElementsAre("lr=0.1", "lr=0.01", "no finite point"));
  EXPECT_EQ(PathPoints(parsed.Strings(absl::StrCat(kSeriesPaths, "/@d"))[0]).size(), 5);
  EXPECT_EQ(parsed.Strings(absl::StrCat(kSeriesPaths, "/@d"))[2], "");
}

TEST(SvgChart, SeriesGetDistinctColours) {
  std::vector<ChartSeries> series;
  for (int i = 0; i < 20; ++i) series.push_back({absl::StrCat("exp", i), Line(3, i, 1)});
  ParsedSvg parsed(LineChartSvg(series, {}));
  const std::vector<std::string> strokes = parsed.Strings(absl::StrCat(kSeriesPaths, "/@stroke"));
  const std::vector<std::string> dashes =
      parsed.Strings(absl::StrCat(kSeriesPaths, "/@stroke-dasharray"));
  ASSERT_EQ(strokes.size(), 20);
  // The first ten: ten colours, solid; the next ten reuse them dashed.
  EXPECT_EQ(std::set<std::string>(strokes.begin(), strokes.begin() + 10).size(), 10);
  EXPECT_EQ(dashes.size(), 10);
  EXPECT_EQ(parsed.Strings("//s:path[@class='series'][not(@stroke-dasharray)]/@data-label")[9],
            "exp9");
  // Each legend swatch looks like its line.
  EXPECT_EQ(parsed.Strings("//s:g[@class='legend-item']/s:line/@stroke"), strokes);
}

TEST(SvgChart, LabelsWithMarkupCharactersAreEscapedAndParseBackEqual) {
  const std::string label = "a<b & \"c\" 'd'>";
  ChartOptions options;
  options.title = "loss <train> & \"val\"";
  options.x_label = "step's <x>";
  options.y_label = "y & \"z\"";
  const std::string svg = LineChartSvg({{label, Line(3, 1, 1)}}, options);
  EXPECT_THAT(svg, Not(HasSubstr(label)));
  EXPECT_THAT(svg, HasSubstr("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"));
  ParsedSvg parsed(svg);
  ASSERT_TRUE(parsed.ok()) << svg;
  EXPECT_THAT(parsed.Strings(absl::StrCat(kSeriesPaths, "/@data-label")), ElementsAre(label));
  EXPECT_THAT(parsed.Strings("//s:g[@class='points']/@data-label"), ElementsAre(label));
  EXPECT_THAT(parsed.Strings("//s:g[@class='legend-item']/s:text"), ElementsAre(label));
  EXPECT_THAT(parsed.Strings("//s:g[@class='legend-item']/s:title"), ElementsAre(label));
  EXPECT_THAT(parsed.Strings("/s:svg/s:title"), ElementsAre(options.title));
  EXPECT_THAT(parsed.Strings("//s:text[@class='title']"), ElementsAre(options.title));
  EXPECT_THAT(parsed.Strings("//s:text[@class='axis-label']"),
              ElementsAre(options.x_label, options.y_label));
}

TEST(SvgChart, XmlEscapeEscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(XmlEscape(""), "");
  EXPECT_EQ(XmlEscape("plain lr=0.1"), "plain lr=0.1");
  EXPECT_EQ(XmlEscape("<&\"'>"), "&lt;&amp;&quot;&apos;&gt;");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");
  EXPECT_EQ(XmlEscape("\u00fc\u2192"), "\u00fc\u2192");
}

TEST(SvgChart, XmlEscapeKeepsWhitespaceAndReplacesForbiddenControls) {
  EXPECT_EQ(XmlEscape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(XmlEscape("a\x01z"), "a\uFFFDz");
  const std::string label = "tab\there\nnewline";
  ParsedSvg parsed(LineChartSvg({{label, Line(3, 1, 1)}, {"bell\x07", Line(3, 2, 1)}}, {}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed.Strings(absl::StrCat(kSeriesPaths, "/@data-label")),
              ElementsAre(label, "bell\uFFFD"));
}

TEST(SvgChart, LongLegendLabelsAreShortenedButDataLabelsAreWhole) {
  const std::string label(200, 'x');
  std::string lambdas;
  for (int i = 0; i < 100; ++i) lambdas += "\u03bb";  // two bytes each: cuts must not split one
  ParsedSvg parsed(LineChartSvg({{label, Line(3, 1, 1)}, {lambdas, Line(3, 2, 1)}}, {}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed.Strings(absl::StrCat(kSeriesPaths, "/@data-label")),
              ElementsAre(label, lambdas));
  const std::vector<std::string> shown = parsed.Strings("//s:g[@class='legend-item']/s:text");
  ASSERT_EQ(shown.size(), 2);
  for (const std::string& text : shown) {
    EXPECT_LT(text.size(), 100);
    EXPECT_THAT(text, HasSubstr("\u2026"));
  }
  EXPECT_THAT(parsed.Strings("//s:g[@class='legend-item']/s:title"), ElementsAre(label, lambdas));
}

TEST(SvgChart, NonFinitePointsSplitThePath) {
  const std::vector<std::pair<double, double>> points = {
      {0, 1}, {1, 2}, {2, kNan}, {3, 3}, {4, kInf}, {5, 4}, {6, 5}, {kNan, 6}, {8, -kInf}};
  const std::string svg = LineChartSvg({{"gappy", points}}, {});
  ParsedSvg parsed(svg);
  ASSERT_TRUE(parsed.ok());
  const std::vector<std::string> d = parsed.Strings(absl::StrCat(kSeriesPaths, "/@d"));
  ASSERT_EQ(d.size(), 1);
  // Runs {0, 1}, {3} and {5, 6}: a subpath each; the lone point is a dot.
  EXPECT_EQ(Count(d[0], 'M'), 3) << d[0];
  EXPECT_EQ(Count(d[0], 'L'), 2) << d[0];
  EXPECT_THAT(d[0], HasSubstr("h0"));
  EXPECT_EQ(PathPoints(d[0]).size(), 5);
  EXPECT_EQ(parsed.Strings("//s:circle").size(), 5);
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
  EXPECT_THAT(svg, Not(HasSubstr("inf")));
}

TEST(SvgChart, EmptyInputGivesValidNoDataSvg) {
  ChartOptions options;
  options.title = "accuracy";
  const std::vector<std::vector<ChartSeries>> inputs = {
      {}, {{"a", {}}}, {{"a", {{0, kNan}, {1, kInf}}}, {"b", {{kInf, 1}}}}};
  for (const std::vector<ChartSeries>& series : inputs) {
    const std::string svg = LineChartSvg(series, options);
    ParsedSvg parsed(svg);
    ASSERT_TRUE(parsed.ok()) << svg;
    EXPECT_EQ(parsed.RootName(), "svg");
    EXPECT_THAT(parsed.Strings("//s:text[@class='no-data']"), ElementsAre("no data"));
    EXPECT_THAT(parsed.Strings("//s:text[@class='title']"), ElementsAre("accuracy"));
    EXPECT_TRUE(parsed.Strings(kSeriesPaths).empty());
    EXPECT_TRUE(parsed.Strings("//s:circle").empty());
  }
}

// Expects `ticks` to be 4 to 8 evenly spaced multiples of a 1-2-5 step that
// reach from at most `lo` to at least `hi`.
void ExpectNiceTicksCovering(const std::vector<double>& ticks, double lo, double hi) {
  ASSERT_GE(ticks.size(), 4);
  ASSERT_LE(ticks.size(), 8);
  // Labels carry few digits; the step read from the outer ticks is the
  // closest to the one drawn.
  const double step = (ticks.back() - ticks.front()) / (ticks.size() - 1);
  ASSERT_GT(step, 0);
  const double magnitude = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double mantissa = std::round(step / magnitude);
  EXPECT_NEAR(step / magnitude, mantissa, 1e-6) << "step " << step;
  EXPECT_TRUE(mantissa == 1 || mantissa == 2 || mantissa == 5) << "step " << step;
  const double nice_step = mantissa * magnitude;
  const double tolerance = nice_step * 1e-6;
  for (size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_NEAR(ticks[i], ticks.front() + i * nice_step, tolerance) << "tick " << i;
    EXPECT_NEAR(ticks[i], std::round(ticks[i] / nice_step) * nice_step, tolerance)
        << ticks[i] << " is no multiple of " << nice_step;
  }
  EXPECT_LE(ticks.front(), lo + tolerance);
  EXPECT_GE(ticks.back(), hi - tolerance);
}

TEST(SvgChart, TicksAreNiceNumbersCoveringTheDataRange) {
  const std::vector<std::pair<double, double>> ranges = {
      {0.12, 0.87}, {-3, 1234}, {1e-6, 3e-6}, {100, 100.5},          {0, 1},
      {2.3, 2.31},  {-7, -2},   {0, 1e-3},    {-5e9, 7e9},           {1e12, 5e12},
      {0.5, 0.5},   {0, 0},     {-2, -2},     {1.0000001, 1.0000003}};
  for (const auto& [lo, hi] : ranges) {
    SCOPED_TRACE(absl::StrFormat("y in [%.17g, %.17g]", lo, hi));
    ParsedSvg parsed(LineChartSvg({{"run", {{0, lo}, {9, hi}, {4, (lo + hi) / 2}}}}, {}));
    ASSERT_TRUE(parsed.ok());
    ExpectNiceTicksCovering(parsed.Numbers(kYTickLabels), lo, hi);
    ExpectNiceTicksCovering(parsed.Numbers(kXTickLabels), 0, 9);
  }
}

TEST(SvgChart, WholeEpochsGetWholeTicks) {
  for (int epochs : {1, 2, 3, 10, 37, 1000}) {
    SCOPED_TRACE(epochs);
    ParsedSvg parsed(LineChartSvg({{"run", Line(epochs, 1, 0.5)}}, {}));
    ASSERT_TRUE(parsed.ok());
    const std::vector<double> ticks = parsed.Numbers(kXTickLabels);
    ASSERT_GE(ticks.size(), 2);
    EXPECT_LE(ticks.front(), 0);
    EXPECT_GE(ticks.back(), epochs - 1);
    for (double tick : ticks) EXPECT_EQ(tick, std::round(tick));
  }
}

TEST(SvgChart, SinglePointOrFlatLineGetsANonZeroRange) {
  const std::vector<std::vector<std::pair<double, double>>> inputs = {
      {{3, 0.5}}, {{0, 0}}, Line(6, 0, 0), Line(6, -4, 0), {{5, 1e9}}};
  for (const auto& points : inputs) {
    const std::string svg = LineChartSvg({{"run", points}}, {});
    ParsedSvg parsed(svg);
    ASSERT_TRUE(parsed.ok());
    const std::vector<double> y_ticks = parsed.Numbers(kYTickLabels);
    const std::vector<double> x_ticks = parsed.Numbers(kXTickLabels);
    ASSERT_GE(y_ticks.size(), 2);
    ASSERT_GE(x_ticks.size(), 2);
    EXPECT_LT(y_ticks.front(), points[0].second);
    EXPECT_GT(y_ticks.back(), points[0].second);
    EXPECT_LE(x_ticks.front(), points.front().first);
    EXPECT_GE(x_ticks.back(), points.back().first);
    EXPECT_THAT(svg, Not(HasSubstr("nan")));
    EXPECT_THAT(svg, Not(HasSubstr("inf")));
  }
}

TEST(SvgChart, DataStaysInsideThePaddedPlotArea) {
  for (const auto& [series, options] : VariedCharts()) {
    const std::string svg = LineChartSvg(series, options);
    ParsedSvg parsed(svg);
    ASSERT_TRUE(parsed.ok());
    const double left = parsed.Numbers("//s:rect[@class='plot-area']/@x").at(0);
    const double top = parsed.Numbers("//s:rect[@class='plot-area']/@y").at(0);
    const double right = left + parsed.Numbers("//s:rect[@class='plot-area']/@width").at(0);
    const double bottom = top + parsed.Numbers("//s:rect[@class='plot-area']/@height").at(0);
    const double width = parsed.Numbers("/s:svg/@width").at(0);
    const double height = parsed.Numbers("/s:svg/@height").at(0);
    EXPECT_GT(left, 0);
    EXPECT_LT(right, width);
    EXPECT_GT(top, 0);
    EXPECT_LT(bottom, height);
    for (const std::string& d : parsed.Strings(absl::StrCat(kSeriesPaths, "/@d"))) {
      for (const auto& [x, y] : PathPoints(d)) {
        // Coordinates are rounded to hundredths, the plot's right edge too.
        EXPECT_GE(x, left - 0.01);
        EXPECT_LE(x, right + 0.01);
        // The 5% padding keeps every point off the top and bottom edges.
        EXPECT_GT(y, top + 1) << svg;
        EXPECT_LT(y, bottom - 1) << svg;
      }
    }
  }
}

TEST(SvgChart, CirclePerPointOnlyUpTo50Points) {
  ParsedSvg fifty(LineChartSvg({{"a", Line(50, 0, 1)}}, {}));
  EXPECT_EQ(fifty.Strings("//s:circle").size(), 50);
  ParsedSvg fifty_one(LineChartSvg({{"a", Line(51, 0, 1)}}, {}));
  EXPECT_EQ(fifty_one.Strings("//s:circle").size(), 0);
  ParsedSvg mixed(LineChartSvg({{"a", Line(10, 0, 1)}, {"b", Line(60, 0, 2)}}, {}));
  EXPECT_EQ(mixed.Strings("//s:circle").size(), 10);
  EXPECT_THAT(mixed.Strings("//s:g[@class='points']/@data-label"), ElementsAre("a"));
}

TEST(SvgChart, NumbersAreWrittenCompactly) {
  static const std::regex kCompact(R"re(-?[0-9]+(\.[0-9]?[1-9])?)re");
  const std::string svg = LineChartSvg(TwoRuns(), {});
  ParsedSvg parsed(svg);
  ASSERT_TRUE(parsed.ok());
  std::vector<std::string> numbers =
      parsed.Strings("//s:circle/@cx|//s:circle/@cy|//s:line/@x1|//s:line/@y2|//s:text/@x");
  for (const std::string& d : parsed.Strings(absl::StrCat(kSeriesPaths, "/@d"))) {
    static const std::regex kNumber(R"re(-?[0-9.]+)re");
    for (std::sregex_iterator it(d.begin(), d.end(), kNumber), end; it != end; ++it) {
      numbers.push_back(it->str());
    }
  }
  ASSERT_GT(numbers.size(), 20);
  for (const std::string& number : numbers) {
    EXPECT_TRUE(std::regex_match(number, kCompact)) << number;
  }
}

}  // namespace
}  // namespace heyhi
