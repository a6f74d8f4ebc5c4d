#include "eval/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "eval/metrics.h"

namespace facetrail::eval {
namespace {

constexpr double kLeft = 70, kRight = 20, kTop = 36, kBottom = 50;
const char* const kFont = "font-family=\"sans-serif\"";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// "1e-4", "0.1%", ... for axis ticks of rates.
std::string RateTick(double r) {
  char buf[32];
  if (r >= 0.01) {
    std::snprintf(buf, sizeof buf, "%.3g%%", 100 * r);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", r);
  }
  return buf;
}

std::string Open(const ChartText& t) {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" +
                  std::to_string(t.width) + "\" height=\"" + std::to_string(t.height) +
                  "\" viewBox=\"0 0 " + std::to_string(t.width) + " " + std::to_string(t.height) +
                  "\" " + kFont + " font-size=\"12\">\n<title>" + XmlEscape(t.title) + "</title>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(t.width) + "\" height=\"" +
       std::to_string(t.height) + "\" fill=\"#fff\"/>\n";
  s += "<text x=\"" + Num(t.width / 2.0) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" "
       "font-weight=\"bold\">" + XmlEscape(t.title) + "</text>\n";
  s += "<text x=\"" + Num(kLeft + (t.width - kLeft - kRight) / 2) + "\" y=\"" +
       Num(t.height - 10) + "\" text-anchor=\"middle\">" + XmlEscape(t.x_label) + "</text>\n";
  s += "<text transform=\"translate(16," + Num(kTop + (t.height - kTop - kBottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + XmlEscape(t.y_label) + "</text>\n";
  return s;
}

struct Frame {
  double x0, y0, w, h;  // plot area in pixels
  std::string Rect() const {
    return "<rect x=\"" + Num(x0) + "\" y=\"" + Num(y0) + "\" width=\"" + Num(w) +
           "\" height=\"" + Num(h) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  }
};

Frame FrameOf(const ChartText& t) {
  return {kLeft, kTop, t.width - kLeft - kRight, t.height - kTop - kBottom};
}

std::string Legend(const std::vector<Series>& series, const Frame& f) {
  std::string s;
  double y = f.y0 + 16;
  for (const auto& se : series) {
    s += "<line x1=\"" + Num(f.x0 + f.w - 170) + "\" y1=\"" + Num(y - 4) + "\" x2=\"" +
         Num(f.x0 + f.w - 150) + "\" y2=\"" + Num(y - 4) + "\" stroke=\"" + se.color +
         "\" stroke-width=\"2\"/><text x=\"" + Num(f.x0 + f.w - 145) + "\" y=\"" + Num(y) +
         "\">" + XmlEscape(se.name) + "</text>\n";
    y += 16;
  }
  return s;
}

std::string PathOf(const Series& se, const std::vector<XY>& px) {
  std::string d;
  for (size_t i = 0; i < px.size(); ++i) {
    d += (i == 0 ? "M" : " L") + Num(px[i].x) + "," + Num(px[i].y);
  }
  return "<path class=\"series\" data-series=\"" + XmlEscape(se.name) + "\" d=\"" + d +
         "\" fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"2\"/>\n";
}

}  // namespace

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string DetPlotSvg(const ChartText& text, const std::vector<Series>& series,
                       const std::vector<Marker>& markers, double lo, double hi) {
  const Frame f = FrameOf(text);
  const double plo = Probit(lo), phi = Probit(hi);
  auto px = [&](double r) {
    double p = std::clamp(Probit(r), plo, phi);
    return f.x0 + (p - plo) / (phi - plo) * f.w;
  };
  auto py = [&](double r) {
    double p = std::clamp(Probit(r), plo, phi);
    return f.y0 + f.h - (p - plo) / (phi - plo) * f.h;
  };
  std::string s = Open(text);
  // Decade ticks (and 10%, 20%, 50% near the top) on both axes, with a light grid.
  std::vector<double> ticks;
  for (double d = 1e-6; d < 0.05; d *= 10) {
    if (d >= lo * 0.999 && d <= hi * 1.001) ticks.push_back(d);
  }
  for (double d : {0.05, 0.1, 0.2, 0.5}) {
    if (d >= lo * 0.999 && d <= hi * 1.001) ticks.push_back(d);
  }
  for (double t : ticks) {
    s += "<line x1=\"" + Num(px(t)) + "\" y1=\"" + Num(f.y0) + "\" x2=\"" + Num(px(t)) +
         "\" y2=\"" + Num(f.y0 + f.h) + "\" stroke=\"#ddd\"/>";
    s += "<line x1=\"" + Num(f.x0) + "\" y1=\"" + Num(py(t)) + "\" x2=\"" + Num(f.x0 + f.w) +
         "\" y2=\"" + Num(py(t)) + "\" stroke=\"#ddd\"/>\n";
    s += "<text x=\"" + Num(px(t)) + "\" y=\"" + Num(f.y0 + f.h + 16) +
         "\" text-anchor=\"middle\">" + RateTick(t) + "</text>";
    s += "<text x=\"" + Num(f.x0 - 6) + "\" y=\"" + Num(py(t) + 4) +
         "\" text-anchor=\"end\">" + RateTick(t) + "</text>\n";
  }
  s += f.Rect();
  for (const auto& se : series) {
    std::vector<XY> pts;
    for (const auto& p : se.points) pts.push_back({px(p.x), py(p.y)});
    if (!pts.empty()) s += PathOf(se, pts);
  }
  for (const auto& m : markers) {
    s += "<circle class=\"marker\" cx=\"" + Num(px(m.at.x)) + "\" cy=\"" + Num(py(m.at.y)) +
         "\" r=\"5\" fill=\"#d62728\"/><text x=\"" + Num(px(m.at.x) + 8) + "\" y=\"" +
         Num(py(m.at.y) - 8) + "\">" + XmlEscape(m.label) + "</text>\n";
  }
  s += Legend(series, f);
  return s + "</svg>\n";
}

std::string BarChartSvg(const ChartText& text, const std::vector<Bar>& bars, double reference,
                        std::string_view reference_label, double axis_max) {
  ChartText t = text;
  const double label_w = 150;
  const double row_h = 26;
  t.height = static_cast<int>(kTop + kBottom + row_h * std::max<size_t>(1, bars.size()) + 10);
  Frame f = FrameOf(t);
  f.x0 += label_w - kLeft + 10;
  f.w -= label_w - kLeft + 10 + 80;  // room for value labels on the right
  double vmax = axis_max;
  if (!(vmax > 0)) {
    for (const auto& b : bars) {
      if (std::isfinite(b.high)) vmax = std::max(vmax, b.high);
      if (std::isfinite(b.value)) vmax = std::max(vmax, b.value);
    }
    vmax = std::max(vmax, reference) * 1.05;
    if (!(vmax > 0)) vmax = 1;
  }
  auto px = [&](double v) { return f.x0 + std::clamp(v / vmax, 0.0, 1.0) * f.w; };
  std::string s = Open(t);
  for (int i = 0; i <= 4; ++i) {
    const double v = vmax * i / 4;
    s += "<line x1=\"" + Num(px(v)) + "\" y1=\"" + Num(f.y0) + "\" x2=\"" + Num(px(v)) +
         "\" y2=\"" + Num(f.y0 + f.h) + "\" stroke=\"#ddd\"/><text x=\"" + Num(px(v)) +
         "\" y=\"" + Num(f.y0 + f.h + 16) + "\" text-anchor=\"middle\">" + RateTick(v) +
         "</text>\n";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = f.y0 + 5 + row_h * i;
    s += "<text x=\"" + Num(f.x0 - 8) + "\" y=\"" + Num(y + 14) + "\" text-anchor=\"end\">" +
         XmlEscape(b.label) + "</text>";
    if (!std::isfinite(b.value)) {
      s += "<text x=\"" + Num(f.x0 + 4) + "\" y=\"" + Num(y + 14) + "\" fill=\"#777\">no data " +
           XmlEscape(b.note) + "</text>\n";
      continue;
    }
    s += "<rect class=\"bar\" x=\"" + Num(f.x0) + "\" y=\"" + Num(y) + "\" width=\"" +
         Num(std::max(0.5, px(b.value) - f.x0)) + "\" height=\"18\" fill=\"#4c78a8\"><title>" +
         XmlEscape(b.label) + ": " + RateTick(b.value) + " (95% CI " + RateTick(b.low) + " to " +
         RateTick(b.high) + ") " + XmlEscape(b.note) + "</title></rect>";
    s += "<line class=\"whisker\" x1=\"" + Num(px(b.low)) + "\" y1=\"" + Num(y + 9) + "\" x2=\"" +
         Num(px(b.high)) + "\" y2=\"" + Num(y + 9) + "\" stroke=\"#000\" stroke-width=\"1.5\"/>";
    for (double v : {b.low, b.high}) {
      s += "<line x1=\"" + Num(px(v)) + "\" y1=\"" + Num(y + 3) + "\" x2=\"" + Num(px(v)) +
           "\" y2=\"" + Num(y + 15) + "\" stroke=\"#000\" stroke-width=\"1.5\"/>";
    }
    s += "<text x=\"" + Num(f.x0 + f.w + 6) + "\" y=\"" + Num(y + 14) + "\">" +
         RateTick(b.value) + " " + XmlEscape(b.note) + "</text>\n";
  }
  if (reference > 0) {
    s += "<line x1=\"" + Num(px(reference)) + "\" y1=\"" + Num(f.y0) + "\" x2=\"" +
         Num(px(reference)) + "\" y2=\"" + Num(f.y0 + f.h) +
         "\" stroke=\"#d62728\" stroke-dasharray=\"5,4\"/><text x=\"" + Num(px(reference) + 4) +
         "\" y=\"" + Num(f.y0 - 4) + "\" fill=\"#d62728\">" + XmlEscape(reference_label) +
         "</text>\n";
  }
  s += f.Rect();
  return s + "</svg>\n";
}

std::string LineChartSvg(const ChartText& text, const std::vector<Series>& series) {
  const Frame f = FrameOf(text);
  double xmin = 0, xmax = 0, ymax = 0;
  bool first = true;
  for (const auto& se : series) {
    for (const auto& p : se.points) {
      if (first) xmin = xmax = p.x, first = false;
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymax = std::max(ymax, p.y);
    }
  }
  if (!(xmax > xmin)) xmax = xmin + 1;
  if (!(ymax > 0)) ymax = 1;
  ymax *= 1.1;
  auto px = [&](double x) { return f.x0 + (x - xmin) / (xmax - xmin) * f.w; };
  auto py = [&](double y) { return f.y0 + f.h - std::clamp(y / ymax, 0.0, 1.0) * f.h; };
  std::string s = Open(text);
  for (int i = 0; i <= 4; ++i) {
    const double x = xmin + (xmax - xmin) * i / 4, y = ymax * i / 4;
    s += "<line x1=\"" + Num(px(x)) + "\" y1=\"" + Num(f.y0) + "\" x2=\"" + Num(px(x)) +
         "\" y2=\"" + Num(f.y0 + f.h) + "\" stroke=\"#ddd\"/><text x=\"" + Num(px(x)) + "\" y=\"" +
         Num(f.y0 + f.h + 16) + "\" text-anchor=\"middle\">" + RateTick(x) + "</text>";
    s += "<line x1=\"" + Num(f.x0) + "\" y1=\"" + Num(py(y)) + "\" x2=\"" + Num(f.x0 + f.w) +
         "\" y2=\"" + Num(py(y)) + "\" stroke=\"#ddd\"/><text x=\"" + Num(f.x0 - 6) + "\" y=\"" +
         Num(py(y) + 4) + "\" text-anchor=\"end\">" + RateTick(y) + "</text>\n";
  }
  s += f.Rect();
  for (const auto& se : series) {
    std::vector<XY> pts;
    for (const auto& p : se.points) pts.push_back({px(p.x), py(p.y)});
    if (!pts.empty()) s += PathOf(se, pts);
  }
  s += Legend(series, f);
  return s + "</svg>\n";
}

}  // namespace facetrail::eval
