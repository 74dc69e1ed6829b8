#include "framework/train/report.h"

#include <fmt/format.h>

#include <algorithm>
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

std::string svg_learning_curves(const nlohmann::json& history) {
  const int W = 720, H = 320, L = 60, R = 20, T = 30, B = 40;
  const size_t n = history.size();
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n",
      W, H);
  s += fmt::format(
      "<text x='{}' y='18'>accuracy per epoch (solid: train, dashed: validation)</text>\n", L);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, H - B, W - R,
                   H - B);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, T, L, H - B);
  for (int k = 0; k <= 4; ++k) {
    const double y = H - B - (H - B - T) * k / 4.0;
    s += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end'>{:.2f}</text>\n", L - 5, y + 4,
                     k / 4.0);
    s += fmt::format("<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/>\n", L, y, W - R,
                     y);
  }
  if (n == 0) return s + "</svg>\n";
  auto px = [&](size_t i) { return L + (W - L - R) * (n == 1 ? 0.5 : double(i) / (n - 1)); };
  auto py = [&](double v) { return H - B - (H - B - T) * std::clamp(v, 0.0, 1.0); };
  auto poly = [&](const char* key, const char* color, const char* dash) {
    std::string pts;
    for (size_t i = 0; i < n; ++i)
      pts += fmt::format("{:.1f},{:.1f} ", px(i), py(history[i][key].get<double>()));
    std::string out = fmt::format(
        "<polyline fill='none' stroke='{}' stroke-width='2' stroke-dasharray='{}' points='{}'/>\n",
        color, dash, pts);
    // Markers while they stay apart: a run of one epoch is otherwise an invisible line.
    for (size_t i = 0; n <= 40 && i < n; ++i)
      out += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}'/>\n", px(i),
                         py(history[i][key].get<double>()), color);
    return out;
  };
  s += poly("train_accuracy", "#1f77b4", "");
  s += poly("validation_accuracy", "#d62728", "6,4");
  for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 10))
    s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{}</text>\n", px(i), H - B + 16,
                     history[i]["epoch"].get<int>());
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>epoch</text>\n", (L + W - R) / 2,
                   H - 6);
  return s + "</svg>\n";
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
