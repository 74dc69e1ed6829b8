// What classify prints per file: the clips' majority vote and the mean probability of each
// genre, as text for people, JSON and CSV for scripts, and an SVG of each genre's probability
// over time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/infer/classify_files.h"

namespace mgr::infer {

struct FileSummary {
  std::string path;
  double seconds = 0;  // decoded length
  int64_t clips = 0;
  bool padded = false;
  bool cut = false;                      // only the first `seconds` were classified (--max-seconds)
  std::vector<int> votes;                // clips decided for each class
  int vote = 0;                          // most votes; ties: the larger mean probability
  std::vector<double> mean_probability;  // per class, over the clips
  std::vector<int> ranked;               // classes by mean probability, largest first
};

// From a classified file (r.ok()).
FileSummary summarise(const FileResult& r, int num_classes, int sample_rate);

// "42.0 s", or with a clock reading beside it from a minute on: "3725.0 s (1:02:05)".
std::string seconds_text(double seconds);

// Three lines: the file with its length and clips, the vote, the top genres by mean probability.
std::string text_report(const FileSummary& s, const std::vector<std::string>& names, int top);
// {path, seconds, clips, padded, cut, vote: {genre, clips}, votes: {genre: clips},
//  mean_probability: {genre: p}, top: [{genre, probability}]}.
nlohmann::json json_report(const FileSummary& s, const std::vector<std::string>& names, int top);
// classify --clips: every clip's start and its probability of each genre (the model's own
// decision per clip too: argmax for a network, hard routing for a tree), for scripts that combine
// models clip by clip: {offsets_seconds: [...], decisions: [genre, ...], probabilities: [[p per
// genre in class order], ...]}.
nlohmann::json json_clips(const FileResult& r, const std::vector<std::string>& names,
                          int sample_rate);
// path,seconds,clips,padded,cut,vote,vote_clips,top,<genre>... (the genres' mean probabilities).
std::string csv_header(const std::vector<std::string>& names);
std::string csv_row(const FileSummary& s, const std::vector<std::string>& names);

// Each genre's clip probability against the clip's centre time, one line per genre. Beyond
// kTimelinePoints clips (long recordings: a 3-hour mix has 3,600 clips of 3 s), consecutive clips
// are averaged into kTimelinePoints points, and the title says how many clips a point holds; the
// time axis reads in seconds, m:ss or h:mm:ss by the length.
inline constexpr int kTimelinePoints = 600;
std::string svg_timeline(const FileResult& r, const std::vector<std::string>& names,
                         int sample_rate, int64_t clip_samples);

// Where --timeline OUT puts the timeline of `file`: OUT itself when one file is classified,
// else OUT's folder / "<OUT stem>-<file stem>.svg" (a stem met before gets "-2", "-3", ...;
// `used` remembers them).
std::string timeline_path(const std::string& out, const std::string& file, bool several,
                          std::vector<std::string>& used);

}  // namespace mgr::infer
