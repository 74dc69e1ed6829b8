#include "framework/results/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "framework/config/yaml_config.h"
#include "framework/engine/html.h"
#include "framework/engine/report.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/features/pipeline.h"
#include "framework/results/tables.h"
#include "framework/store/feature_table.h"
#include "framework/tasks/task_kind.h"
#include "kernels/error.h"

namespace mgr::results {

using train::bmp_data_uri;
using train::html_escape;

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Stats {
  double mean = 0, std = 0;
  size_t n = 0;
};
Stats stats_of(const std::vector<double>& v) {
  const nlohmann::json s = train::summary_statistics(v);
  return {s["mean"].get<double>(), s["std"].get<double>(), v.size()};
}

// The metric against one varied key: per value, mean ± std over every run with that value
// (clip accuracy solid blue, track accuracy red), error bars one standard deviation.
std::string svg_metric_by_key(const std::vector<RunRecord>& runs, const std::string& key) {
  std::vector<std::string> values;
  std::map<std::string, std::vector<double>> clip, track;
  for (const RunRecord& r : runs)
    for (const auto& [k, v] : r.varied)
      if (k == key) {
        if (!clip.count(v)) values.push_back(v);
        clip[v].push_back(r.metrics["test"]["clip_accuracy"].get<double>());
        track[v].push_back(r.metrics["test"]["track_accuracy"].get<double>());
      }
  const int W = 560, H = 300, L = 60, R = 20, T = 30, B = 60;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n<text x='{}' y='18'>test "
      "accuracy by {} (blue: clip, red: track; bars: ± 1 std)</text>\n",
      W, H, L, html_escape(key));
  for (int k = 0; k <= 4; ++k) {
    const double y = H - B - (H - B - T) * k / 4.0;
    s += fmt::format(
        "<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/><text x='{}' y='{:.1f}' "
        "text-anchor='end'>{:.2f}</text>\n",
        L, y, W - R, y, L - 5, y + 4, k / 4.0);
  }
  const size_t n = values.size();
  auto px = [&](size_t i, double shift) {
    return L + (W - L - R) * (i + 0.5) / static_cast<double>(std::max<size_t>(n, 1)) + shift;
  };
  auto py = [&](double v) { return H - B - (H - B - T) * std::clamp(v, 0.0, 1.0); };
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [series, color, shift] :
         {std::tuple{&clip, "#1f77b4", -6.0}, std::tuple{&track, "#d62728", 6.0}}) {
      const Stats st = stats_of((*series)[values[i]]);
      const double x = px(i, shift);
      s += fmt::format(
          "<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}' stroke-width='2'/>"
          "<circle cx='{:.1f}' cy='{:.1f}' r='4' fill='{}'><title>{} = {}: {:.3f} ± {:.3f} "
          "(n={})</title></circle>\n",
          x, py(st.mean - st.std), x, py(st.mean + st.std), color, x, py(st.mean), color,
          html_escape(key), html_escape(values[i]), st.mean, st.std, st.n);
    }
    s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{}</text>\n", px(i, 0),
                     H - B + 18, html_escape(values[i].substr(0, 24)));
  }
  return s + "</svg>\n";
}

// Element-wise sum of the runs' test confusion matrices at one level.
nlohmann::json summed_confusion(const std::vector<RunRecord>& runs, const char* level) {
  nlohmann::json acc;
  for (const RunRecord& r : runs) {
    const nlohmann::json& m = r.metrics["test"][level]["confusion_matrix"];
    if (acc.is_null()) {
      acc = m;
      continue;
    }
    if (acc.size() != m.size()) continue;  // runs over other genres: left out of the sum
    for (size_t i = 0; i < m.size(); ++i)
      for (size_t j = 0; j < m[i].size(); ++j)
        acc[i][j] = acc[i][j].get<int64_t>() + m[i][j].get<int64_t>();
  }
  return acc;
}

std::string per_class_f1(const std::vector<RunRecord>& runs) {
  const nlohmann::json& names = runs.front().metrics["class_names"];
  std::string s =
      "<table>\n<thead><tr><th>genre</th><th>clip F1</th><th>track F1</th><th>clip "
      "F1</th></tr></thead>\n<tbody>\n";
  for (const auto& name_j : names) {
    const std::string name = name_j.get<std::string>();
    std::vector<double> clip, track;
    for (const RunRecord& r : runs) {
      const nlohmann::json& t = r.metrics["test"];
      if (t["clip"]["per_class"].contains(name))
        clip.push_back(t["clip"]["per_class"][name]["f1"].get<double>());
      if (t["track"]["per_class"].contains(name))
        track.push_back(t["track"]["per_class"][name]["f1"].get<double>());
    }
    const double bar = clip.empty() ? 0 : stats_of(clip).mean;
    s += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><svg xmlns='http://www.w3.org/2000/svg' "
        "width='204' height='14'><rect width='200' height='12' y='1' fill='#eee'/><rect "
        "width='{:.1f}' height='12' y='1' fill='#1f77b4'/></svg></td></tr>\n",
        html_escape(name), mean_std_cell(clip), mean_std_cell(track), 200 * bar);
  }
  return s + "</tbody>\n</table>\n";
}

// Spectrograms of the first clips of each genre, from the first run's resolved config.
std::string spectrograms(const RunRecord& run, int per_genre) {
  config::ExperimentConfig cfg = experiment::load((fs::path(run.dir) / "config.yaml").string()).cfg;
  cfg.data.max_tracks_per_genre = 1;  // the first track of each genre is enough
  std::ostringstream log;
  const train::LoadedData data = train::load_experiment_data(cfg, log);
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  std::vector<int> clips;
  std::vector<int> taken(data.ds.genres.size(), 0);
  for (size_t i = 0; i < data.ds.clips.size(); ++i) {
    const int g = data.ds.clips[i].label;
    if (taken[static_cast<size_t>(g)]++ < per_genre) clips.push_back(static_cast<int>(i));
  }
  const Tensor f = train::compute_features(data.ds, clips, pipeline);
  const Shape& sh = f.shape();
  if (sh.size() != 4)
    return "<p>The features are one vector per clip (" + cfg.features.type +
           "): no spectrogram to show.</p>\n";
  const int C = static_cast<int>(sh[1]), D = static_cast<int>(sh[2]), T = static_cast<int>(sh[3]);
  const std::vector<float> v = f.to_vector();
  // At most 128 x 320 pixels: a 513-bin STFT or a whole track is averaged in blocks.
  const int fy = (D + 127) / 128, fx = (T + 319) / 320;
  const int rows = D / fy, cols = T / fx;
  std::string s = fmt::format(
      "<p>{} features, {} x {} (bands x frames, low bands at the bottom{}), channel 1 of {}, "
      "the first {} clip(s) of each genre's first track; each image scaled to its own range.</p>\n"
      "<div class='grid'>\n",
      html_escape(cfg.features.type), D, T,
      fy * fx > 1 ? fmt::format("; shown averaged in {} x {} blocks", fy, fx) : "", C, per_genre);
  for (size_t k = 0; k < clips.size(); ++k) {
    const float* src = v.data() + static_cast<long>(k) * C * D * T;
    std::vector<float> image(static_cast<size_t>(rows) * cols, 0.0f);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        double sum = 0;
        for (int dy = 0; dy < fy; ++dy)
          for (int dx = 0; dx < fx; ++dx) sum += src[(r * fy + dy) * T + c * fx + dx];
        image[static_cast<size_t>(r) * cols + c] = static_cast<float>(sum / (fy * fx));
      }
    const data::Clip& c = data.ds.clips[static_cast<size_t>(clips[k])];
    const std::string genre = data.ds.genres[static_cast<size_t>(c.label)];
    s += fmt::format(
        "<figure><img alt='{} clip {}' src='{}' width='{}' height='{}'><figcaption>{}, clip at "
        "{:.1f} s</figcaption></figure>\n",
        html_escape(genre), k, bmp_data_uri(image, rows, cols), std::min(2 * cols, 320),
        std::min(2 * rows, 240), html_escape(genre),
        static_cast<double>(c.offset) / cfg.data.sample_rate);
  }
  return s + "</div>\n";
}

// Each run's own section, by its task kind (tasks::TaskKind::report_section): learning curves of
// a network, the tree with its nodes, a KNN's settings, a GAN's losses, quality and samples.
std::string kind_sections(const std::vector<RunRecord>& runs, const std::string& dir,
                          int max_runs) {
  std::string h;
  int shown = 0;
  for (const RunRecord& r : runs) {
    if (shown >= max_runs) break;
    const std::string type = r.metrics.value("model_type", std::string("network"));
    const std::string where = fs::relative(r.dir, dir).string();
    const tasks::TaskKind* kind = nullptr;
    for (const tasks::TaskKind* k : tasks::task_kinds())
      if (k->name == type) kind = k;
    h += "<section class='kind kind-" + html_escape(type) + "'>\n<h3>" +
         html_escape(where == "." ? r.metrics.value("experiment", std::string("run")) : where) +
         ": " + html_escape(kind ? kind->title : "model.type " + type) + "</h3>\n";
    if (!kind) {
      h += "<p>model.type " + html_escape(type) + " is not a kind this build knows.</p>\n";
    } else {
      try {
        h += kind->report_section(r.dir, r.metrics);
      } catch (const std::exception& e) {
        h += "<p>This run's section could not be made: " + html_escape(e.what()) + "</p>\n";
      }
    }
    h += "</section>\n";
    ++shown;
  }
  if (shown < static_cast<int>(runs.size()))
    h += fmt::format("<p class='note'>{} of {} runs shown (--max-curves).</p>\n", shown,
                     runs.size());
  return h;
}

}  // namespace

std::string html_report(const std::string& dir, const ReportOptions& opt) {
  const std::vector<RunRecord> all = collect_runs({dir}, /*untested=*/true);
  MGR_CHECK(!all.empty(), "no run (a finished run's metrics.json) under '" << dir << "'");
  std::vector<RunRecord> runs;  // with test results
  for (const RunRecord& r : all)
    if (r.metrics.contains("test")) runs.push_back(r);
  const bool sweep = fs::exists(fs::path(dir) / "sweep.json");
  nlohmann::json plan;
  if (sweep) plan = nlohmann::json::parse(read_text(fs::path(dir) / "sweep.json"));
  const nlohmann::json& first = all.front().metrics;
  std::set<std::string> experiments;
  for (const RunRecord& r : all) experiments.insert(r.metrics.value("experiment", "?"));
  const std::string name = sweep ? "sweep " + plan.value("name", std::string("?"))
                           : experiments.size() > 1
                               ? fs::path(dir).lexically_normal().filename().string()
                               : *experiments.begin();
  std::string h =
      "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>mgr report: " +
      html_escape(name) +
      "</title>\n<style>\nbody{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}\n"
      "table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid "
      "#ccc;padding:4px 10px;text-align:left;vertical-align:middle}thead th{border-bottom:2px "
      "solid #333}\n.note{color:#555;font-size:90%}pre{background:#f6f6f6;padding:1em;"
      "overflow:auto;max-height:30em}\n.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}"
      "img{image-rendering:pixelated;border:1px solid #999}\n.leaky{color:#b00}\n"
      "section.kind{border-top:1px solid #ccc;margin-top:1em}\n</style>\n"
      "</head>\n<body>\n";
  h += "<h1>mgr report: " + html_escape(name) + "</h1>\n";
  int leaky = 0;
  for (const RunRecord& r : runs) leaky += r.metrics.value("leaky", false) ? 1 : 0;
  h += fmt::format("<p>{} run{} of {}, from <code>{}</code>.{}</p>\n", all.size(),
                   all.size() == 1 ? "" : "s",
                   experiments.size() > 1 ? fmt::format("{} experiments", experiments.size())
                                          : "<b>" + html_escape(*experiments.begin()) + "</b> (" +
                                                html_escape(first.value("paper", "")) + ")",
                   html_escape(dir),
                   leaky ? fmt::format(" <span class='leaky'>{} of them on a leaky split (clips "
                                       "of one track on both sides): optimistic.</span>",
                                       leaky)
                         : "");

  if (!runs.empty()) {
    h += "<h2>Results</h2>\n" + tables_html_fragment(make_tables(runs));
    if (sweep) {
      h += "<h2>Metric against each varied key</h2>\n<div class='grid'>\n";
      for (const auto& key : plan["varied_keys"])
        h += svg_metric_by_key(runs, key.get<std::string>());
      h += "</div>\n";
    }
  }

  h += "<h2>Runs</h2>\n" + kind_sections(all, dir, opt.max_runs_plotted);

  if (!runs.empty()) {
    h += fmt::format(
        "<h2>Confusion matrices</h2>\n<p class='note'>test sets, summed over {} "
        "run{}</p>\n<div class='grid'>\n",
        runs.size(), runs.size() == 1 ? "" : "s");
    for (const char* level : {"clip", "track"})
      h += train::svg_confusion(summed_confusion(runs, level), runs.front().metrics["class_names"],
                                std::string("test confusion per ") + level);
    h += "</div>\n<h2>Per-class F1</h2>\n" + per_class_f1(runs);
  }

  if (opt.spectrograms_per_genre > 0) {
    h += "<h2>Input spectrograms</h2>\n";
    try {
      h += spectrograms(all.front(), opt.spectrograms_per_genre);
    } catch (const std::exception& e) {
      h += "<p>Spectrograms unavailable: " + html_escape(e.what()) + "</p>\n";
    }
  }

  h += "<h2>Configuration</h2>\n";
  if (sweep) {
    const std::string file = plan.value("file", "");
    h += "<h3>Sweep file " + html_escape(file) + "</h3>\n<pre>" +
         html_escape(fs::exists(file) ? read_text(file) : std::string("(not found)")) + "</pre>\n";
  }
  h += "<h3>" +
       html_escape((fs::path(fs::relative(all.front().dir, dir)) / "config.yaml").string()) +
       "</h3>\n<pre>" + html_escape(read_text(fs::path(all.front().dir) / "config.yaml")) +
       "</pre>\n";
  // The page's own check, read by the headless-browser test: every embedded image decoded.
  h += "<script>\nwindow.addEventListener('load', function () {\n  var bad = 0;\n"
       "  for (var i = 0; i < document.images.length; i++) {\n"
       "    var im = document.images[i];\n"
       "    if (!im.complete || im.naturalWidth === 0) {\n"
       "      bad++;\n      console.error('report: error: image ' + (im.alt || i) + ' did not "
       "decode');\n    }\n  }\n"
       "  if (!bad) console.log('report: ok, ' + document.images.length + ' images, ' +\n"
       "    document.querySelectorAll('svg').length + ' plots');\n});\n</script>\n";
  return h + "</body>\n</html>\n";
}

}  // namespace mgr::results
