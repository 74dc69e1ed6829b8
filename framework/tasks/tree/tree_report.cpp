#include "framework/tasks/tree/tree_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <vector>

#include "framework/engine/html.h"
#include "framework/engine/report.h"

namespace mgr::train {

namespace {

std::string escape(const std::string& s) { return html_escape(s); }

std::string accuracy_text(const nlohmann::json& v) {
  return v.is_number() ? fmt::format("{:.1f}%", 100.0 * v.get<double>()) : std::string("n/a");
}

struct Box {
  double x = 0;  // centre
  int depth = 0;
  bool leaf = false;
  std::string parent;
};

// Leaves get consecutive slots in depth-first order; a node sits above the middle of its
// children.
double place(const std::string& name, int depth, const std::map<std::string, nlohmann::json>& nodes,
             std::map<std::string, Box>& boxes, int& slot) {
  Box& b = boxes[name];
  b.depth = depth;
  auto it = nodes.find(name);
  if (it == nodes.end()) {
    b.leaf = true;
    b.x = slot++;
    return b.x;
  }
  double sum = 0;
  const nlohmann::json& children = it->second["children"];
  for (const auto& c : children) {
    const std::string child = c.get<std::string>();
    sum += place(child, depth + 1, nodes, boxes, slot);
    boxes[child].parent = name;
  }
  boxes[name].x = sum / static_cast<double>(children.size());
  return boxes[name].x;
}

}  // namespace

std::string svg_tree(const nlohmann::json& m) {
  const nlohmann::json& tree = m["tree"];
  std::map<std::string, nlohmann::json> nodes;
  std::string root;
  for (const auto& n : tree["nodes"]) {
    nodes[n["name"].get<std::string>()] = n;
    if (n["parent"].is_null()) root = n["name"].get<std::string>();
  }
  std::map<std::string, Box> boxes;
  int slots = 0;
  place(root, 0, nodes, boxes, slots);
  int max_depth = 0;
  for (const auto& [name, b] : boxes) max_depth = std::max(max_depth, b.depth);

  const int bw = 150, bh = 58, gap_x = 14, gap_y = 46, top = 64, left = 16;
  const int W = left * 2 + slots * (bw + gap_x), H = top + (max_depth + 1) * (bh + gap_y) + 10;
  auto cx = [&](const Box& b) { return left + b.x * (bw + gap_x) + bw / 2.0; };
  auto ty = [&](const Box& b) { return top + b.depth * (bh + gap_y); };
  const std::string routing = tree.value("routing", "hard");
  const nlohmann::json& final_m = tree[routing];
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n",
      W, H);
  s += fmt::format(
      "<text x='{}' y='20' font-size='14'>{}: tree of classifiers; final test accuracy {} "
      "({} routing; clip level){}</text>\n",
      left, escape(m.value("experiment", "?")), accuracy_text(final_m["clip_accuracy"]), routing,
      m.contains("flat_baseline")
          ? ", flat baseline " + accuracy_text(m["flat_baseline"]["test"]["clip_accuracy"])
          : std::string());
  s += fmt::format(
      "<text x='{}' y='38' fill='#555'>nodes: test accuracy on their own genres' clips "
      "(the paper's in parentheses), cascaded accuracy, epochs; leaves: recall of the "
      "genre</text>\n",
      left);
  for (const auto& [name, b] : boxes) {
    if (b.parent.empty()) continue;
    const Box& p = boxes[b.parent];
    s += fmt::format("<line x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}' stroke='#888'/>\n", cx(p),
                     ty(p) + bh, cx(b), ty(b));
  }
  for (const auto& [name, b] : boxes) {
    const double x0 = cx(b) - bw / 2.0;
    const int y0 = ty(b);
    std::vector<std::string> lines = {name};
    std::string fill = "#e8f0fb";
    if (b.leaf) {
      fill = "#f3f3f3";
      const nlohmann::json& per = final_m["clip"]["per_class"];
      if (per.contains(name)) lines.push_back("recall " + accuracy_text(per[name]["recall"]));
    } else {
      const nlohmann::json& n = nodes[name];
      std::string acc = accuracy_text(n["test"]["clip_accuracy"]);
      if (n["paper_accuracy"].is_number()) acc += " (" + accuracy_text(n["paper_accuracy"]) + ")";
      lines.push_back(acc);
      const nlohmann::json& cascaded = n["cascaded"]["clip_accuracy"];
      lines.push_back((cascaded.is_number() ? "cascaded " + accuracy_text(cascaded)
                                            : std::string("no clip routed here")) +
                      ", " + std::to_string(n["epochs"].get<int>()) + " ep");
    }
    s += fmt::format(
        "<rect x='{:.1f}' y='{}' width='{}' height='{}' rx='6' fill='{}' stroke='#456'/>\n", x0, y0,
        bw, bh, fill);
    for (size_t i = 0; i < lines.size(); ++i)
      s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'{}>{}</text>\n", cx(b),
                       y0 + 16 + 16 * static_cast<int>(i), i == 0 ? " font-weight='bold'" : "",
                       escape(lines[i]));
  }
  return s + "</svg>\n";
}

namespace {

// The per-node table's rows (paper 000's Fig. 12 table), then the final accuracies under both
// routings and the flat baseline's.
std::vector<std::vector<std::string>> tree_rows(const nlohmann::json& m) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : m["tree"]["nodes"]) {
    std::string children;
    for (const auto& c : n["children"])
      children += (children.empty() ? "" : " / ") + c.get<std::string>();
    rows.push_back({n["name"].get<std::string>(), children,
                    std::to_string(n["test"]["clips"].get<int>()),
                    accuracy_text(n["test"]["clip_accuracy"]), accuracy_text(n["paper_accuracy"]),
                    accuracy_text(n["cascaded"]["clip_accuracy"]),
                    fmt::format("{} ({})", n["epochs"].get<int>(), n["best_epoch"].get<int>())});
  }
  for (const char* routing : {"hard", "soft"}) {
    const nlohmann::json& r = m["tree"][routing];
    rows.push_back({fmt::format("final ({} routing)", routing), "all genres",
                    std::to_string(r["clip"]["n"].get<int>()),
                    fmt::format("{} (track {})", accuracy_text(r["clip_accuracy"]),
                                accuracy_text(r["track_accuracy"])),
                    accuracy_text(m["paper_test_accuracy"]), "", ""});
  }
  if (m.contains("flat_baseline")) {
    const nlohmann::json& f = m["flat_baseline"];
    rows.push_back({"flat baseline", "all genres",
                    std::to_string(f["test"]["clip"]["n"].get<int>()),
                    fmt::format("{} (track {})", accuracy_text(f["test"]["clip_accuracy"]),
                                accuracy_text(f["test"]["track_accuracy"])),
                    "", "", fmt::format("({})", f["best_epoch"].get<int>())});
  }
  return rows;
}

const std::vector<std::string> kTreeHeader = {
    "node", "children", "test clips", "accuracy", "paper", "cascaded accuracy", "epochs (best)"};

}  // namespace

std::string tree_table(const nlohmann::json& m) {
  std::string out = "| " + fmt::format("{}", fmt::join(kTreeHeader, " | ")) + " |\n|";
  for (size_t i = 0; i < kTreeHeader.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : tree_rows(m)) {
    out += "|";
    for (const std::string& c : row) out += c.empty() ? " |" : " " + c + " |";
    out += "\n";
  }
  return out;
}

std::string tree_report_section(const std::string&, const nlohmann::json& m) {
  if (!m.contains("tree")) return "<p>No tree in metrics.json.</p>\n";
  std::string h =
      "<p>Each node's test accuracy on its own genres' clips beside the paper's; each genre leaf "
      "with its recall under " +
      escape(m["tree"].value("routing", std::string("hard"))) +
      " routing. Cascaded: over the clips hard routing brings to the node.</p>\n"
      "<figure style='overflow-x:auto'>" +
      inline_svg(svg_tree(m)) + "</figure>\n<table>\n<thead><tr>";
  for (const std::string& c : kTreeHeader) h += "<th>" + escape(c) + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& row : tree_rows(m)) {
    h += "<tr>";
    for (const std::string& c : row) h += "<td>" + escape(c) + "</td>";
    h += "</tr>\n";
  }
  h += "</tbody>\n</table>\n<h4>Learning curves per node";
  h += m.contains("flat_baseline") ? " and of the flat baseline</h4>\n" : "</h4>\n";
  h += "<div class='grid'>\n";
  auto curves = [&](const nlohmann::json& history, const std::string& caption) {
    if (history.empty()) return;
    h += "<figure>" + inline_svg(svg_learning_curves(history)) + "<figcaption>" + escape(caption) +
         "</figcaption></figure>\n";
  };
  for (const auto& n : m["tree"]["nodes"])
    curves(n.value("history", nlohmann::json::array()), "node " + n["name"].get<std::string>());
  if (m.contains("flat_baseline"))
    curves(m["flat_baseline"].value("history", nlohmann::json::array()),
           "flat baseline (model.layers on every genre)");
  return h + "</div>\n";
}

}  // namespace mgr::train
