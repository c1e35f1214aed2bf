// Hand-written SVG line charts: no Debian C++ library writes small self-contained SVG charts.
#include "heyhi/cli/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace heyhi {
namespace {

// Tableau 10: colours told apart also by most colour-blind readers. Series
// past the tenth reuse them, dashed, so no two lines look the same.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
constexpr const char* kDashes[] = {"6 3", "2 3"};

// More markers than this hide the line they sit on.
constexpr size_t kMaxPointsWithMarkers = 50;
constexpr int kMinWidth = 200;
constexpr int kMinHeight = 150;
constexpr double kTickFontPx = 11;
constexpr double kLabelFontPx = 12;
constexpr double kTitleFontPx = 14;
// Average width of a sans-serif glyph in em. Text is laid out without the
// font, so margins and the legend are sized by this estimate.
constexpr double kGlyphEm = 0.6;
// The y range grows by this fraction at each end, so no line hugs the frame.
constexpr double kYPadding = 0.05;

bool IsFinite(const std::pair<double, double>& point) {
  return std::isfinite(point.first) && std::isfinite(point.second);
}

// A coordinate in at most two decimals, trailing zeros dropped: "12.5", "3".
std::string Num(double value) {
  if (!std::isfinite(value)) return "0";  // only absurd ranges overflow; keep the SVG valid
  std::string text = absl::StrFormat("%.2f", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// `text` cut to `max_chars` code points, the last one an ellipsis. Cuts fall
// between code points so the document stays valid UTF-8.
std::string Shortened(const std::string& text, size_t max_chars) {
  if (CodePoints(text) <= max_chars) return text;
  size_t kept = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (kept == max_chars - 1) return text.substr(0, i) + "\u2026";
    ++kept;
  }
  return text;
}

// Pixel width of `chars` glyphs at `font_px`.
double TextWidth(size_t chars, double font_px) {
  return static_cast<double>(chars) * font_px * kGlyphEm;
}

struct Axis {
  double lo = 0;  // the axis' ends: the outer ticks or the padded data
  double hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;

  // Where `value` lies between lo (0) and hi (1).
  double Fraction(double value) const { return (value - lo) / (hi - lo); }
  size_t WidestLabel() const {
    size_t widest = 0;
    for (const std::string& label : labels) widest = std::max(widest, label.size());
    return widest;
  }
};

// Tick labels with just the digits that tell ticks `step` apart; very small
// or large numbers in exponent form, which stays short.
std::vector<std::string> TickLabels(const std::vector<double>& ticks, double step) {
  double max_abs = 0;
  for (double tick : ticks) max_abs = std::max(max_abs, std::abs(tick));
  // The epsilon keeps log10(0.001) = -2.9999... from costing a decimal.
  const int step_exponent = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  std::vector<std::string> labels;
  if (step_exponent >= -6 && max_abs < 1e9) {
    const int decimals = std::max(0, -step_exponent);
    for (double tick : ticks) labels.push_back(absl::StrFormat("%.*f", decimals, tick));
  } else {
    const int max_exponent =
        max_abs > 0 ? static_cast<int>(std::floor(std::log10(max_abs))) : step_exponent;
    const int digits = std::clamp(max_exponent - step_exponent + 1, 1, 15);
    for (double tick : ticks) labels.push_back(absl::StrFormat("%.*g", digits, tick));
  }
  return labels;
}

// Ticks at whole multiples of a 1-2-5 step, about 5 of them (4 to 8), from
// at or below `lo` to at or above `hi`, so they cover the data. The axis
// reaches `padding` of the range past the data at each end, past the outer
// ticks where those sit (near) on the data. A range of (next to) no width
// first gets some, so a single point or a flat line still has an axis.
Axis NiceAxis(double lo, double hi, bool whole_numbers, double padding) {
  if (!(hi - lo > std::max(std::abs(lo), std::abs(hi)) * 1e-9)) {
    const double half = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  // Halved before subtracting: hi - lo itself may overflow.
  const double half_range = hi / 2 - lo / 2;
  const double raw_step = half_range / 2;  // a quarter of the range: 5 ticks
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  const double mantissa = raw_step / magnitude;
  double step = (mantissa < 1.5 ? 1 : mantissa < 3 ? 2 : mantissa < 7 ? 5 : 10) * magnitude;
  if (whole_numbers) step = std::max(step, 1.0);  // no epoch 2.5 between whole epochs
  const double first = std::floor(lo / step);
  // An integer count: ++ on a huge double first could stall.
  const int intervals = std::clamp(static_cast<int>(std::ceil(hi / step) - first), 1, 20);
  Axis axis;
  for (int i = 0; i <= intervals; ++i) {
    const double multiple = first + i;
    axis.ticks.push_back(multiple == 0 ? 0.0 : multiple * step);  // never "-0"
  }
  const double pad = half_range * 2 * padding;
  axis.lo = std::min(axis.ticks.front(), lo - pad);
  axis.hi = std::max(axis.ticks.back(), hi + pad);
  axis.labels = TickLabels(axis.ticks, step);
  return axis;
}

// The attributes that give series `index` its look, on its line and its
// legend swatch alike.
std::string StrokeStyle(size_t index) {
  std::string style = absl::StrCat("stroke=\"", kPalette[index % kPaletteSize], "\"");
  const size_t round = index / kPaletteSize;
  if (round > 0) {
    absl::StrAppend(&style, " stroke-dasharray=\"", kDashes[(round - 1) % 2], "\"");
  }
  return style;
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // As references, since parsers turn a raw tab or newline in an
      // attribute into a space.
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\uFFFD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string LineChartSvg(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  const int width = std::max(options.width, kMinWidth);
  const int height = std::max(options.height, kMinHeight);
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"%s\" fill=\"#222\">\n",
      width, height, width, height, Num(kTickFontPx));
  const std::string title = XmlEscape(options.title);
  if (!title.empty()) absl::StrAppend(&out, "<title>", title, "</title>\n");
  absl::StrAppendFormat(&out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
  if (!title.empty()) {
    absl::StrAppend(&out, "<text class=\"title\" x=\"", Num(width / 2.0), "\" y=\"",
                    Num(8 + kTitleFontPx), "\" text-anchor=\"middle\" font-size=\"",
                    Num(kTitleFontPx), "\" font-weight=\"bold\">", title, "</text>\n");
  }

  bool any_point = false;
  bool whole_x = true;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  for (const ChartSeries& s : series) {
    for (const auto& point : s.points) {
      if (!IsFinite(point)) continue;
      const auto [x, y] = point;
      x_min = any_point ? std::min(x_min, x) : x;
      x_max = any_point ? std::max(x_max, x) : x;
      y_min = any_point ? std::min(y_min, y) : y;
      y_max = any_point ? std::max(y_max, y) : y;
      whole_x = whole_x && x == std::floor(x);
      any_point = true;
    }
  }
  if (!any_point) {
    absl::StrAppend(&out, "<text class=\"no-data\" x=\"", Num(width / 2.0), "\" y=\"",
                    Num(height / 2.0), "\" text-anchor=\"middle\" font-size=\"", Num(kLabelFontPx),
                    "\" fill=\"#777\">no data</text>\n</svg>\n");
    return out;
  }

  // Epochs run edge to edge; values keep off the frame.
  const Axis x_axis = NiceAxis(x_min, x_max, whole_x, /*padding=*/0);
  const Axis y_axis = NiceAxis(y_min, y_max, /*whole_numbers=*/false, kYPadding);

  // Layout, left to right: y label, y tick labels, plot, legend; top to
  // bottom: title, plot, x tick labels, x label.
  const double y_label_right = options.y_label.empty() ? 8 : 8 + kLabelFontPx;
  const double left = y_label_right + 6 + TextWidth(y_axis.WidestLabel(), kTickFontPx) + 7;
  const double top = title.empty() ? 14 : 16 + kTitleFontPx + 8;
  const double bottom_margin = options.x_label.empty() ? 25 : 41;
  // The last x tick label is centred on the plot's right edge.
  const double x_overhang = TextWidth(x_axis.labels.back().size(), kTickFontPx) / 2;
  size_t widest_label = 0;
  for (const ChartSeries& s : series) widest_label = std::max(widest_label, CodePoints(s.label));
  constexpr double kSwatchPx = 18;
  constexpr double kSwatchGapPx = 6;
  // The legend takes at most 30% of the width; longer labels are shortened.
  const double legend_wanted = kSwatchPx + kSwatchGapPx + TextWidth(widest_label, kLabelFontPx);
  const double legend_width = std::min(legend_wanted, width * 0.3);
  const size_t legend_chars =
      legend_width == legend_wanted
          ? widest_label
          : std::max<size_t>(2, static_cast<size_t>((legend_width - kSwatchPx - kSwatchGapPx) /
                                                    (kLabelFontPx * kGlyphEm)));
  const double legend_gap = std::max(16.0, x_overhang + 6);
  const double right = width - legend_gap - legend_width - 8;
  const double bottom = height - bottom_margin;
  const double plot_width = std::max(1.0, right - left);
  const double plot_height = std::max(1.0, bottom - top);
  auto px = [&](double x) { return left + x_axis.Fraction(x) * plot_width; };
  auto py = [&](double y) { return bottom - y_axis.Fraction(y) * plot_height; };

  // Grid first, so the lines are drawn over it.
  absl::StrAppend(&out, "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
  absl::StrAppend(&out, "<rect class=\"plot-area\" x=\"", Num(left), "\" y=\"", Num(top),
                  "\" width=\"", Num(plot_width), "\" height=\"", Num(plot_height),
                  "\" fill=\"none\"/>\n");
  for (double tick : x_axis.ticks) {
    const std::string x = Num(px(tick));
    absl::StrAppend(&out, "<line class=\"x-grid\" x1=\"", x, "\" y1=\"", Num(top), "\" x2=\"", x,
                    "\" y2=\"", Num(bottom), "\"/>\n");
  }
  for (double tick : y_axis.ticks) {
    const std::string y = Num(py(tick));
    absl::StrAppend(&out, "<line class=\"y-grid\" x1=\"", Num(left), "\" y1=\"", y, "\" x2=\"",
                    Num(left + plot_width), "\" y2=\"", y, "\"/>\n");
  }
  absl::StrAppend(&out, "</g>\n");

  absl::StrAppend(&out, "<g class=\"axis x-axis\">\n<line x1=\"", Num(left), "\" y1=\"",
                  Num(bottom), "\" x2=\"", Num(left + plot_width), "\" y2=\"", Num(bottom),
                  "\" stroke=\"#444\"/>\n");
  for (size_t i = 0; i < x_axis.ticks.size(); ++i) {
    const std::string x = Num(px(x_axis.ticks[i]));
    absl::StrAppend(&out, "<line x1=\"", x, "\" y1=\"", Num(bottom), "\" x2=\"", x, "\" y2=\"",
                    Num(bottom + 4), "\" stroke=\"#444\"/>\n");
    absl::StrAppend(&out, "<text class=\"tick-label\" x=\"", x, "\" y=\"",
                    Num(bottom + 6 + kTickFontPx), "\" text-anchor=\"middle\">", x_axis.labels[i],
                    "</text>\n");
  }
  if (!options.x_label.empty()) {
    absl::StrAppend(&out, "<text class=\"axis-label\" x=\"", Num(left + plot_width / 2), "\" y=\"",
                    Num(bottom + 6 + kTickFontPx + 6 + kLabelFontPx),
                    "\" text-anchor=\"middle\" font-size=\"", Num(kLabelFontPx), "\">",
                    XmlEscape(options.x_label), "</text>\n");
  }
  absl::StrAppend(&out, "</g>\n");

  absl::StrAppend(&out, "<g class=\"axis y-axis\">\n<line x1=\"", Num(left), "\" y1=\"", Num(top),
                  "\" x2=\"", Num(left), "\" y2=\"", Num(bottom), "\" stroke=\"#444\"/>\n");
  for (size_t i = 0; i < y_axis.ticks.size(); ++i) {
    const std::string y = Num(py(y_axis.ticks[i]));
    absl::StrAppend(&out, "<line x1=\"", Num(left - 4), "\" y1=\"", y, "\" x2=\"", Num(left),
                    "\" y2=\"", y, "\" stroke=\"#444\"/>\n");
    // dy centres the label on its tick: SVG places text by its baseline.
    absl::StrAppend(&out, "<text class=\"tick-label\" x=\"", Num(left - 7), "\" y=\"", y,
                    "\" dy=\"0.35em\" text-anchor=\"end\">", y_axis.labels[i], "</text>\n");
  }
  if (!options.y_label.empty()) {
    absl::StrAppend(&out, "<text class=\"axis-label\" transform=\"translate(", Num(y_label_right),
                    ",", Num(top + plot_height / 2),
                    ") rotate(-90)\" text-anchor=\"middle\" font-size=\"", Num(kLabelFontPx), "\">",
                    XmlEscape(options.y_label), "</text>\n");
  }
  absl::StrAppend(&out, "</g>\n");

  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    // A non-finite point lifts the pen; the next point starts a new subpath.
    std::string d;
    size_t run = 0;  // points in the current subpath
    std::string markers;
    for (const auto& point : s.points) {
      if (!IsFinite(point)) {
        if (run == 1) absl::StrAppend(&d, "h0");  // a lone point: a dot by its round cap
        run = 0;
        continue;
      }
      const std::string x = Num(px(point.first));
      const std::string y = Num(py(point.second));
      absl::StrAppend(&d, run == 0 ? "M" : "L", x, ",", y);
      ++run;
      absl::StrAppend(&markers, "<circle cx=\"", x, "\" cy=\"", y, "\" r=\"2.5\"/>\n");
    }
    if (run == 1) absl::StrAppend(&d, "h0");
    const std::string label = XmlEscape(s.label);
    absl::StrAppend(&out, "<path class=\"series\" data-label=\"", label, "\" d=\"", d,
                    "\" fill=\"none\" ", StrokeStyle(i),
                    " stroke-width=\"1.75\" stroke-linejoin=\"round\" "
                    "stroke-linecap=\"round\"/>\n");
    if (s.points.size() <= kMaxPointsWithMarkers && !markers.empty()) {
      absl::StrAppend(&out, "<g class=\"points\" data-label=\"", label, "\" fill=\"",
                      kPalette[i % kPaletteSize], "\">\n", markers, "</g>\n");
    }
  }

  // Many series share the plot's height: rows shrink rather than run off
  // the canvas.
  const double row = series.empty() ? 18 : std::min(18.0, plot_height / series.size());
  const double legend_font = std::min(kLabelFontPx, row * 0.8);
  const double legend_left = left + plot_width + legend_gap;
  absl::StrAppend(&out, "<g class=\"legend\" font-size=\"", Num(legend_font), "\">\n");
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string y = Num(top + row * (i + 0.5));
    // The <title> shows the whole label where the legend shortens it.
    absl::StrAppend(&out, "<g class=\"legend-item\"><title>", XmlEscape(series[i].label),
                    "</title><line x1=\"", Num(legend_left), "\" y1=\"", y, "\" x2=\"",
                    Num(legend_left + kSwatchPx), "\" y2=\"", y, "\" ", StrokeStyle(i),
                    " stroke-width=\"2\"/><text x=\"", Num(legend_left + kSwatchPx + kSwatchGapPx),
                    "\" y=\"", y, "\" dy=\"0.35em\">",
                    XmlEscape(Shortened(series[i].label, legend_chars)), "</text></g>\n");
  }
  absl::StrAppend(&out, "</g>\n</svg>\n");
  return out;
}

}  // namespace heyhi
