#include "eval/svg_plot.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace facetrail::eval {
namespace {

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(SvgPlotTest, DetHasOnePathPerSeriesAndEscapesText) {
  Series a{"model <a> & b", {{1e-4, 0.3}, {1e-3, 0.1}, {1e-2, 0.02}}, "#000"};
  Series b{"other", {{1e-3, 0.2}}, "#f00"};
  std::string svg = DetPlotSvg({"DET", "FMR", "FNMR"}, {a, b}, {{"deployed", {1e-3, 0.1}}});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(Count(svg, "class=\"series\""), 2u);
  EXPECT_EQ(Count(svg, "class=\"marker\""), 1u);
  EXPECT_NE(svg.find("model &lt;a&gt; &amp; b"), std::string::npos);
  EXPECT_EQ(svg.find("<a>"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(SvgPlotTest, DetMapsLowerRatesLeftAndDown) {
  Series a{"s", {{1e-4, 0.01}, {1e-1, 0.4}}, "#000"};
  std::string svg = DetPlotSvg({"t", "x", "y"}, {a}, {});
  // The path starts at the low-FMR point (left) and ends at the high one (right, higher up:
  // smaller y pixel for larger FNMR).
  size_t d = svg.find(" d=\"M");
  ASSERT_NE(d, std::string::npos);
  double x0, y0, x1, y1;
  ASSERT_EQ(std::sscanf(svg.c_str() + d + 5, "%lf,%lf L%lf,%lf", &x0, &y0, &x1, &y1), 4);
  EXPECT_LT(x0, x1);
  EXPECT_GT(y0, y1);
}

TEST(SvgPlotTest, BarsHaveWhiskersAndNoDataRows) {
  std::vector<Bar> bars = {{"Female", 0.002, 0.001, 0.004, "n=100"},
                           {"Male", 0.001, 0.0005, 0.002, "n=200"},
                           {"Thin", std::numeric_limits<double>::quiet_NaN(), 0, 0, "n=1"}};
  std::string svg = BarChartSvg({"FMR by group", "FMR", ""}, bars, 0.001, "target");
  EXPECT_EQ(Count(svg, "class=\"bar\""), 2u);
  EXPECT_EQ(Count(svg, "class=\"whisker\""), 2u);
  EXPECT_NE(svg.find("no data n=1"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(SvgPlotTest, LineChartHandlesEmptyAndFlatSeries) {
  std::string empty = LineChartSvg({"ERC", "rejected", "FNMR"}, {});
  EXPECT_EQ(Count(empty, "class=\"series\""), 0u);
  std::string flat = LineChartSvg({"ERC", "x", "y"}, {{"s", {{0, 0}, {0, 0}}, "#000"}});
  EXPECT_EQ(Count(flat, "class=\"series\""), 1u);
  EXPECT_EQ(flat.find("nan"), std::string::npos);
  EXPECT_EQ(flat.find("inf"), std::string::npos);
}

}  // namespace
}  // namespace facetrail::eval
