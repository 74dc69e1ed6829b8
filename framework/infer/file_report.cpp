#include "framework/infer/file_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <string_view>

#include "framework/config/text_check.h"
#include "kernels/error.h"

namespace mgr::infer {

namespace fs = std::filesystem;

FileSummary summarise(const FileResult& r, int num_classes, int sample_rate) {
  FileSummary s;
  s.path = r.path;
  s.seconds = static_cast<double>(r.samples) / sample_rate;
  s.clips = r.scores.clips;
  s.padded = r.scores.padded;
  s.cut = r.cut;
  const auto k = static_cast<size_t>(num_classes);
  s.votes.assign(k, 0);
  std::vector<double> sum(k, 0.0);
  for (int64_t i = 0; i < s.clips; ++i) {
    ++s.votes[static_cast<size_t>(r.scores.decisions[static_cast<size_t>(i)])];
    for (size_t c = 0; c < k; ++c) sum[c] += r.scores.probs[static_cast<size_t>(i) * k + c];
  }
  s.mean_probability.resize(k);
  for (size_t c = 0; c < k; ++c)
    s.mean_probability[c] = s.clips > 0 ? sum[c] / static_cast<double>(s.clips) : 0.0;
  // The tie rule of the run's own track vote (train::vote_by_track): most clips, then mass.
  for (size_t c = 1; c < k; ++c) {
    const auto v = static_cast<size_t>(s.vote);
    if (s.votes[c] > s.votes[v] || (s.votes[c] == s.votes[v] && sum[c] > sum[v]))
      s.vote = static_cast<int>(c);
  }
  s.ranked.resize(k);
  std::iota(s.ranked.begin(), s.ranked.end(), 0);
  std::stable_sort(s.ranked.begin(), s.ranked.end(), [&](int a, int b) {
    return s.mean_probability[static_cast<size_t>(a)] > s.mean_probability[static_cast<size_t>(b)];
  });
  return s;
}

namespace {

int clamp_top(int top, size_t classes) { return std::clamp(top, 1, static_cast<int>(classes)); }

// Bytes that are not UTF-8 (a Latin-1 "caf\xE9" from an old collection) become U+FFFD, as the
// JSON output's replacing dump does: CSV and JSON readers expect UTF-8, the file name is not ours.
std::string utf8_or_replacement(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    const size_t bad = config::invalid_utf8_at(s);
    if (bad == std::string_view::npos) {
      out += s;
      break;
    }
    out += s.substr(0, bad);
    out += "\xEF\xBF\xBD";
    s.remove_prefix(bad + 1);
  }
  return out;
}

std::string csv_field(const std::string& raw) {
  const std::string f = utf8_or_replacement(raw);
  if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
  std::string out = "\"";
  for (char ch : f) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

std::string seconds_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const auto whole = static_cast<int64_t>(seconds);
  const int64_t h = whole / 3600, m = whole / 60 % 60, sec = whole % 60;
  return h > 0 ? fmt::format("{:.1f} s ({}:{:02}:{:02})", seconds, h, m, sec)
               : fmt::format("{:.1f} s ({}:{:02})", seconds, m, sec);
}

std::string text_report(const FileSummary& s, const std::vector<std::string>& names, int top) {
  const auto v = static_cast<size_t>(s.vote);
  std::string out = fmt::format("{}: {}{}, {} clip{}{}\n", s.path, s.cut ? "the first " : "",
                                seconds_text(s.seconds), s.clips, s.clips == 1 ? "" : "s",
                                s.padded ? " (shorter than one clip: zero-padded)"
                                : s.cut  ? " (--max-seconds: the rest was not decoded)"
                                         : "");
  out += fmt::format("  vote:  {} ({}/{} clips)\n", names[v], s.votes[v], s.clips);
  out += "  mean: ";
  for (int i = 0; i < clamp_top(top, names.size()); ++i) {
    const auto c = static_cast<size_t>(s.ranked[static_cast<size_t>(i)]);
    out += fmt::format(" {} {:.3f}", names[c], s.mean_probability[c]);
  }
  return out + "\n";
}

nlohmann::json json_report(const FileSummary& s, const std::vector<std::string>& names, int top) {
  nlohmann::json votes = nlohmann::json::object(), mean = nlohmann::json::object(),
                 best = nlohmann::json::array();
  for (size_t c = 0; c < names.size(); ++c) {
    votes[names[c]] = s.votes[c];
    mean[names[c]] = s.mean_probability[c];
  }
  for (int i = 0; i < clamp_top(top, names.size()); ++i) {
    const auto c = static_cast<size_t>(s.ranked[static_cast<size_t>(i)]);
    best.push_back({{"genre", names[c]}, {"probability", s.mean_probability[c]}});
  }
  const auto v = static_cast<size_t>(s.vote);
  return {{"path", s.path},   {"seconds", s.seconds},
          {"clips", s.clips}, {"padded", s.padded},
          {"cut", s.cut},     {"vote", {{"genre", names[v]}, {"clips", s.votes[v]}}},
          {"votes", votes},   {"mean_probability", mean},
          {"top", best}};
}

nlohmann::json json_clips(const FileResult& r, const std::vector<std::string>& names,
                          int sample_rate) {
  const ClipScores& c = r.scores;
  const size_t k = names.size();
  MGR_CHECK(c.probs.size() == size_t(c.clips) * k && c.offsets.size() == size_t(c.clips) &&
                c.decisions.size() == size_t(c.clips),
            "json_clips: " << c.clips << " clips but " << c.probs.size() << " probabilities, "
                           << c.offsets.size() << " offsets for " << k << " genres");
  nlohmann::json offsets = nlohmann::json::array(), decisions = nlohmann::json::array(),
                 probs = nlohmann::json::array();
  for (size_t i = 0; i < size_t(c.clips); ++i) {
    offsets.push_back(double(c.offsets[i]) / sample_rate);
    decisions.push_back(names[size_t(c.decisions[i])]);
    probs.push_back(std::vector<float>(c.probs.begin() + std::ptrdiff_t(i * k),
                                       c.probs.begin() + std::ptrdiff_t((i + 1) * k)));
  }
  return {{"offsets_seconds", offsets}, {"decisions", decisions}, {"probabilities", probs}};
}

std::string csv_header(const std::vector<std::string>& names) {
  std::string out = "path,seconds,clips,padded,cut,vote,vote_clips,top";
  for (const std::string& n : names) {
    out += ',';  // (not "," + field: GCC 12 warns -Wrestrict falsely on that)
    out += csv_field(n);
  }
  return out + "\n";
}

std::string csv_row(const FileSummary& s, const std::vector<std::string>& names) {
  const auto v = static_cast<size_t>(s.vote);
  std::string out = fmt::format("{},{:.3f},{},{},{},{},{},{}", csv_field(s.path), s.seconds,
                                s.clips, s.padded ? 1 : 0, s.cut ? 1 : 0, csv_field(names[v]),
                                s.votes[v], csv_field(names[static_cast<size_t>(s.ranked[0])]));
  for (double p : s.mean_probability) out += fmt::format(",{:.6f}", p);
  return out + "\n";
}

namespace {

// A tick step for an axis of `span` seconds: the first of 1, 2, 5, 10 s, ... 1 h, 2 h, ... that
// gives at most 8 ticks.
double tick_step(double span) {
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0})
    if (span / step <= 8) return step;
  double step = 3600;
  while (span / step > 8) step *= 2;
  return step;
}

// An axis label: seconds below a minute of audio, then m:ss, then h:mm:ss.
std::string clock_label(double t, double span) {
  const auto whole = static_cast<int64_t>(std::llround(t));
  if (span < 60) return fmt::format("{:.0f}", t);
  if (span < 3600) return fmt::format("{}:{:02}", whole / 60, whole % 60);
  return fmt::format("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
}

}  // namespace

std::string svg_timeline(const FileResult& r, const std::vector<std::string>& names,
                         int sample_rate, int64_t clip_samples) {
  static const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  const int W = 820, H = 360, L = 60, R = 140, T = 30, B = 40;
  const size_t k = names.size();
  const auto n = static_cast<size_t>(r.scores.clips);
  const double clip_s = static_cast<double>(clip_samples) / sample_rate;
  auto centre = [&](size_t i) {
    return static_cast<double>(r.scores.offsets[i]) / sample_rate + clip_s / 2;
  };
  // Points: every clip, or runs of consecutive clips averaged (their mean time and probability).
  const size_t points = std::min(n, static_cast<size_t>(kTimelinePoints));
  std::vector<double> pt_time(points, 0.0), pt_prob(points * k, 0.0);
  for (size_t p = 0; p < points; ++p) {
    const size_t from = p * n / points, to = (p + 1) * n / points;
    for (size_t i = from; i < to; ++i) {
      pt_time[p] += centre(i);
      for (size_t c = 0; c < k; ++c) pt_prob[p * k + c] += r.scores.probs[i * k + c];
    }
    const auto m = static_cast<double>(to - from);
    pt_time[p] /= m;
    for (size_t c = 0; c < k; ++c) pt_prob[p * k + c] /= m;
  }
  const size_t per_point = points > 0 ? (n + points - 1) / points : 1;
  const double t_end = std::max(n ? centre(n - 1) + clip_s / 2 : clip_s, 1e-9);
  auto px = [&](double t) { return L + (W - L - R) * t / t_end; };
  auto py = [&](double p) { return H - B - (H - B - T) * std::clamp(p, 0.0, 1.0); };
  std::string title = fs::path(r.path).filename().string();
  for (const char* esc : {"&", "<", ">"}) {  // XML text
    const std::string rep = esc[0] == '&' ? "&amp;" : esc[0] == '<' ? "&lt;" : "&gt;";
    for (size_t pos = 0; (pos = title.find(esc, pos)) != std::string::npos; pos += rep.size())
      title.replace(pos, 1, rep);
  }
  const std::string what =
      per_point > 1 ? fmt::format("mean genre probability of up to {} clips of {:.2f} s per point",
                                  per_point, clip_s)
                    : fmt::format("genre probability per {:.2f} s clip", clip_s);
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='{}' y='18'>{}: {}</text>\n",
      W, H, L, title, what);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, H - B, W - R,
                   H - B);
  s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='black'/>\n", L, T, L, H - B);
  for (int g = 0; g <= 4; ++g) {
    const double y = py(g / 4.0);
    s += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end'>{:.2f}</text>\n", L - 5, y + 4,
                     g / 4.0);
    s += fmt::format("<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/>\n", L, y, W - R,
                     y);
  }
  const double step = tick_step(t_end);
  for (double t = 0; t <= t_end + 1e-9; t += step)
    s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{}</text>\n", px(t), H - B + 16,
                     clock_label(t, t_end));
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>time ({})</text>\n", (L + W - R) / 2,
                   H - 6,
                   t_end < 60     ? "s"
                   : t_end < 3600 ? "m:ss"
                                  : "h:mm:ss");
  for (size_t c = 0; c < k; ++c) {
    const char* colour = kColours[c % 10];
    const char* dash = c < 10 ? "" : "6,3";  // more genres than colours: dashed second round
    std::string pts;
    for (size_t p = 0; p < points; ++p)
      pts += fmt::format("{:.1f},{:.1f} ", px(pt_time[p]), py(pt_prob[p * k + c]));
    s += fmt::format(
        "<polyline fill='none' stroke='{}' stroke-width='{}' stroke-dasharray='{}' points='{}'/>\n",
        colour, points > 200 ? 1 : 2, dash, pts);
    if (points == 1)  // a single clip draws no line: mark its point
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}'/>\n", px(pt_time[0]),
                       py(pt_prob[c]), colour);
    const double ly = T + 16.0 * static_cast<double>(c);
    s += fmt::format(
        "<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='{}' stroke-width='2' "
        "stroke-dasharray='{}'/>\n",
        W - R + 10, ly, W - R + 30, ly, colour, dash);
    s += fmt::format("<text x='{}' y='{:.1f}'>{}</text>\n", W - R + 35, ly + 4, names[c]);
  }
  return s + "</svg>\n";
}

std::string timeline_path(const std::string& out, const std::string& file, bool several,
                          std::vector<std::string>& used) {
  if (!several) return out;
  const fs::path o(out);
  const std::string base = o.stem().string() + "-" + fs::path(file).stem().string();
  std::string name = base;
  for (int i = 2; std::find(used.begin(), used.end(), name) != used.end(); ++i)
    name = base + "-" + std::to_string(i);
  used.push_back(name);
  return (o.parent_path() / (name + ".svg")).string();
}

}  // namespace mgr::infer
