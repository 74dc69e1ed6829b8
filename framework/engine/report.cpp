#include "framework/engine/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace mgr::train {

std::string table_header() {
  return "| experiment | split | seed | device | test clip acc | test track acc | paper | note |\n"
         "|---|---|---|---|---|---|---|---|\n";
}

std::string table_row(const nlohmann::json& m) {
  const bool leaky = m.value("leaky", false);
  std::string paper = "n/a";
  if (m.contains("paper_test_accuracy") && m["paper_test_accuracy"].is_number())
    paper = fmt::format("{:.4f}", m["paper_test_accuracy"].get<double>());
  return fmt::format(
      "| {} | {} | {} | {} | {:.4f} | {:.4f} | {} | {} |\n", m.value("experiment", "?"),
      m.value("split", "?"), m.value("seed", 0), m.value("device", "?"),
      m["test"]["clip_accuracy"].get<double>(), m["test"]["track_accuracy"].get<double>(), paper,
      leaky ? "leaky split (clips of one track on both sides)" : "track-disjoint split");
}

std::string svg_line_chart(const std::vector<ChartSeries>& series, const std::string& title,
                           const std::string& x_label, double y_lo, double y_hi) {
  const int W = 720, H = 320, L = 60, R = 20, T = 30, B = 40;
  double x_lo = 0, x_hi = 0;
  bool any = false;
  const bool auto_y = !(y_lo < y_hi);
  for (const ChartSeries& c : series)
    for (size_t i = 0; i < c.x.size() && i < c.y.size(); ++i) {
      if (!std::isfinite(c.y[i])) continue;
      if (!any) x_lo = x_hi = c.x[i];
      x_lo = std::min(x_lo, c.x[i]), x_hi = std::max(x_hi, c.x[i]);
      if (auto_y) {
        if (!any) y_lo = y_hi = c.y[i];
        y_lo = std::min(y_lo, c.y[i]), y_hi = std::max(y_hi, c.y[i]);
      }
      any = true;
    }
  if (!(y_lo < y_hi)) y_hi = y_lo + 1;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n",
      W, H);
  s += fmt::format("<text x='{}' y='18'>{}</text>\n", L, title);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, H - B, W - R,
                   H - B);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, T, L, H - B);
  for (int k = 0; k <= 4; ++k) {
    const double y = H - B - (H - B - T) * k / 4.0;
    s += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end'>{:.3g}</text>\n", L - 5, y + 4,
                     y_lo + (y_hi - y_lo) * k / 4.0);
    s += fmt::format("<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/>\n", L, y, W - R,
                     y);
  }
  if (!any) return s + "</svg>\n";
  auto px = [&](double x) {
    return L + (W - L - R) * (x_hi > x_lo ? (x - x_lo) / (x_hi - x_lo) : 0.5);
  };
  auto py = [&](double v) {
    return H - B - (H - B - T) * std::clamp((v - y_lo) / (y_hi - y_lo), 0.0, 1.0);
  };
  for (const ChartSeries& c : series) {
    std::string pts;
    for (size_t i = 0; i < c.x.size() && i < c.y.size(); ++i)
      if (std::isfinite(c.y[i])) pts += fmt::format("{:.1f},{:.1f} ", px(c.x[i]), py(c.y[i]));
    s += fmt::format(
        "<polyline fill='none' stroke='{}' stroke-width='2' stroke-dasharray='{}' points='{}'/>\n",
        c.color, c.dash, pts);
    // Markers while they stay apart: a run of one epoch is otherwise an invisible line.
    for (size_t i = 0; c.x.size() <= 40 && i < c.x.size() && i < c.y.size(); ++i)
      if (std::isfinite(c.y[i]))
        s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}'/>\n", px(c.x[i]),
                         py(c.y[i]), c.color);
  }
  // x ticks: about ten, at whole numbers.
  const double step = std::max(1.0, std::ceil((x_hi - x_lo) / 10.0));
  for (double x = x_lo; x <= x_hi + 1e-9; x += step)
    s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{:g}</text>\n", px(x),
                     H - B + 16, x);
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{}</text>\n", (L + W - R) / 2, H - 6,
                   x_label);
  // Legend, top right.
  int lx = W - R - 150;
  for (size_t k = 0; k < series.size(); ++k) {
    const int ly = T + 14 * static_cast<int>(k) + 4;
    s += fmt::format(
        "<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='{}' stroke-width='2' "
        "stroke-dasharray='{}'/><text x='{}' y='{}'>{}</text>\n",
        lx, ly, lx + 20, ly, series[k].color, series[k].dash, lx + 25, ly + 4, series[k].name);
  }
  return s + "</svg>\n";
}

std::string svg_learning_curves(const nlohmann::json& history) {
  ChartSeries train{"train", "#1f77b4", "", {}, {}}, val{"validation", "#d62728", "6,4", {}, {}};
  for (const auto& h : history) {
    const double e = h["epoch"].get<int>();
    train.x.push_back(e);
    train.y.push_back(h["train_accuracy"].get<double>());
    val.x.push_back(e);
    val.y.push_back(h["validation_accuracy"].get<double>());
  }
  return svg_line_chart({train, val}, "accuracy per epoch (solid: train, dashed: validation)",
                        "epoch", 0.0, 1.0);
}

std::string svg_confusion(const nlohmann::json& confusion, const nlohmann::json& names,
                          const std::string& title) {
  const int n = static_cast<int>(confusion.size());
  const int cell = 36, L = 90, T = 90;
  const int W = L + n * cell + 20, H = T + n * cell + 20;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n<text x='10' y='16' "
      "font-size='13'>{} (rows: true, columns: predicted)</text>\n",
      W, H, title);
  for (int r = 0; r < n; ++r) {
    int row_sum = 0;
    for (int c = 0; c < n; ++c) row_sum += confusion[r][c].get<int>();
    const std::string name =
        r < static_cast<int>(names.size()) ? names[r].get<std::string>() : std::to_string(r);
    s += fmt::format("<text x='{}' y='{}' text-anchor='end'>{}</text>\n", L - 4,
                     T + r * cell + cell / 2 + 4, name);
    s += fmt::format("<text transform='translate({},{}) rotate(-60)'>{}</text>\n",
                     L + r * cell + cell / 2, T - 4, name);
    for (int c = 0; c < n; ++c) {
      const int v = confusion[r][c].get<int>();
      const double frac = row_sum ? double(v) / row_sum : 0.0;
      const int shade = static_cast<int>(255 - 200 * frac);
      s += fmt::format(
          "<rect x='{}' y='{}' width='{}' height='{}' fill='rgb({},{},255)' stroke='#999'/>\n",
          L + c * cell, T + r * cell, cell, cell, shade, shade);
      s += fmt::format("<text x='{}' y='{}' text-anchor='middle' fill='{}'>{}</text>\n",
                       L + c * cell + cell / 2, T + r * cell + cell / 2 + 4,
                       frac > 0.6 ? "white" : "black", v);
    }
  }
  return s + "</svg>\n";
}

void write_reports(const std::string& run_dir, const nlohmann::json& m) {
  std::ofstream(run_dir + "/table_row.md") << table_header() << table_row(m);
  // A tree keeps a history per node (nodes/<name>/), a KNN none.
  if (!m["history"].empty())
    std::ofstream(run_dir + "/learning_curves.svg") << svg_learning_curves(m["history"]);
  for (const char* level : {"clip", "track"}) {
    const nlohmann::json& cm = m["test"][level]["confusion_matrix"];
    std::ofstream(run_dir + "/confusion_" + level + ".svg")
        << svg_confusion(cm, m["class_names"], std::string("test confusion per ") + level);
    std::ofstream csv(run_dir + "/confusion_" + level + ".csv");
    csv << "true\\predicted";
    for (const auto& name : m["class_names"]) csv << "," << name.get<std::string>();
    csv << "\n";
    for (size_t r = 0; r < cm.size(); ++r) {
      csv << m["class_names"][r].get<std::string>();
      for (const auto& v : cm[r]) csv << "," << v.get<int>();
      csv << "\n";
    }
  }
}

}  // namespace mgr::train
