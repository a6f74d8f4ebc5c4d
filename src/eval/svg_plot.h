// Small self-contained SVG charts for the disclosure report (index.html): a DET plot on
// probit axes, horizontal bars with confidence-interval whiskers, and a line chart. The
// output is plain SVG 1.1 text with inline attributes: no scripts, no external fonts or
// stylesheets, so the page renders offline and a reader can diff two reports' plots.
//
// Every plotted series is a <path class="series"> with a data-series attribute, every bar
// a <rect class="bar"> and every whisker a <line class="whisker">, so tests (and
// accessibility tools) can find them. Titles become <title> elements.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_SVG_PLOT_H_
#define FACETRAIL_EVAL_SVG_PLOT_H_

#include <string>
#include <string_view>
#include <vector>

namespace facetrail::eval {

struct XY {
  double x = 0, y = 0;
};

struct Series {
  std::string name;
  std::vector<XY> points;
  std::string color = "#1f77b4";
};

struct Marker {  // a labelled point, e.g. the deployed operating point
  std::string label;
  XY at;
};

struct ChartText {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 640, height = 420;
};

// DET: x = FMR (or APCER), y = FNMR (or BPCER), both on probit (normal-deviate) axes
// between `lo` and `hi` (rates; points outside are clipped to the frame).
std::string DetPlotSvg(const ChartText& text, const std::vector<Series>& series,
                       const std::vector<Marker>& markers, double lo = 1e-5, double hi = 0.5);

struct Bar {
  std::string label;
  double value = 0;  // NaN: no data (drawn as "no data")
  double low = 0, high = 0;
  std::string note;  // shown after the value, e.g. "n=1,234"
};

// Horizontal bars, one per group, with CI whiskers; value axis linear from 0 to the
// largest `high` (or `axis_max` when > 0). A dashed reference line at `reference` when > 0.
std::string BarChartSvg(const ChartText& text, const std::vector<Bar>& bars,
                        double reference = 0, std::string_view reference_label = "",
                        double axis_max = 0);

// Line chart with linear axes fitted to the data (y from 0).
std::string LineChartSvg(const ChartText& text, const std::vector<Series>& series);

// XML text escaping for element content and attribute values.
std::string XmlEscape(std::string_view s);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_SVG_PLOT_H_
