#include "framework/data/dataset.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "framework/data/audio_io.h"
#include "kernels/error.h"

namespace fs = std::filesystem;

namespace mgr::data {
namespace {

constexpr const char* kLayout =
    "expected the GTZAN layout <root>/<genre>/<genre>.NNNNN.{wav,au,flac,aiff,ogg,opus,mp3}, "
    "e.g. <root>/blues/blues.00000.wav";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "<genre>.NNNNN.<ext>" with a supported extension (case-insensitive).
bool is_track_file(const std::string& name, const std::string& genre) {
  const std::string n = lower(name);
  const std::string g = lower(genre) + ".";
  if (n.rfind(g, 0) != 0) return false;
  const size_t dot = n.rfind('.');
  if (dot == std::string::npos || dot <= g.size()) return false;
  const std::string ext = n.substr(dot + 1);
  // libsndfile >= 1.1 decodes Ogg Vorbis (the gtzan-dev excerpts), Ogg Opus and MP3 (mpg123);
  // a libsndfile built without them says so per file ("cannot decode: ...").
  static const char* const kExtensions[] = {"wav", "au",  "flac", "aiff", "aif",
                                            "ogg", "oga", "opus", "mp3"};
  if (std::find(std::begin(kExtensions), std::end(kExtensions), ext) == std::end(kExtensions))
    return false;
  const std::string number = n.substr(g.size(), dot - g.size());
  return !number.empty() &&
         std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Folders a user might have pointed one level too high at (the Kaggle archive nests the
// genres in Data/genres_original, the original tarball in genres/).
std::string layout_hint(const fs::path& root) {
  for (const char* sub : {"genres_original", "genres", "Data/genres_original", "gtzan"}) {
    if (fs::is_directory(root / sub / "blues")) {
      return std::string("; did you mean root: ") + (root / sub).string() + " ?";
    }
  }
  return {};
}

void run_parallel(int n, int threads, const std::function<void(int)>& fn) {
  int t = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  t = std::max(1, std::min(t, n));
  std::atomic<int> next{0};
  auto worker = [&] {
    for (int i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (int k = 1; k < t; ++k) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

}  // namespace

const std::vector<std::string>& gtzan_genres() {
  static const std::vector<std::string> g = {"blues", "classical", "country", "disco",  "hiphop",
                                             "jazz",  "metal",     "pop",     "reggae", "rock"};
  return g;
}

std::vector<Track> scan_gtzan(const GtzanOptions& o) {
  MGR_CHECK(!o.root.empty(), "load_gtzan: data root is empty; " << kLayout);
  MGR_CHECK(o.sample_rate > 0, "load_gtzan: sample_rate must be positive, got " << o.sample_rate);
  MGR_CHECK(std::isfinite(o.max_track_seconds) && o.max_track_seconds > 0,
            "load_gtzan: max_track_seconds must be positive, got " << o.max_track_seconds);
  MGR_CHECK(o.max_tracks_per_genre >= 0,
            "load_gtzan: max_tracks_per_genre must be >= 0, got " << o.max_tracks_per_genre);
  const fs::path root(o.root);
  MGR_CHECK(fs::is_directory(root),
            "load_gtzan: data root '" << o.root << "' is not a directory; " << kLayout);

  const std::vector<std::string>& genres = o.genres.empty() ? gtzan_genres() : o.genres;
  for (size_t i = 0; i < genres.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      MGR_CHECK(genres[i] != genres[j], "load_gtzan: genre '" << genres[i] << "' listed twice");
    }
  }

  // Scan: sorted file names per genre, genres in the given order.
  std::vector<Track> candidates;
  for (size_t gi = 0; gi < genres.size(); ++gi) {
    const std::string& genre = genres[gi];
    const fs::path dir = root / genre;
    MGR_CHECK(fs::is_directory(dir), "load_gtzan: no folder '" << dir.string() << "' for genre '"
                                                               << genre << "'; " << kLayout
                                                               << layout_hint(root));
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      const std::string name = e.path().filename().string();
      if (is_track_file(name, genre)) names.push_back(name);
    }
    MGR_CHECK(!names.empty(), "load_gtzan: folder '"
                                  << dir.string() << "' holds no audio files named like " << genre
                                  << ".00000.wav; " << kLayout);
    std::sort(names.begin(), names.end());
    if (o.max_tracks_per_genre > 0 && static_cast<int>(names.size()) > o.max_tracks_per_genre) {
      names.resize(static_cast<size_t>(o.max_tracks_per_genre));
    }
    for (const auto& name : names) {
      Track t;
      t.path = (dir / name).string();
      t.label = static_cast<int>(gi);
      t.genre = genre;
      t.id = fs::path(name).stem().string();
      candidates.push_back(std::move(t));
    }
  }
  return candidates;
}

Dataset decode_tracks(std::vector<Track> candidates, const std::vector<std::string>& genres,
                      const GtzanOptions& o, const std::string& source, std::ostream& log,
                      LoadReport* report) {
  MGR_CHECK(o.sample_rate > 0,
            "decode_tracks: sample_rate must be positive, got " << o.sample_rate);
  MGR_CHECK(std::isfinite(o.max_track_seconds) && o.max_track_seconds > 0,
            "decode_tracks: max_track_seconds must be positive, got " << o.max_track_seconds);
  Dataset ds;
  ds.sample_rate = o.sample_rate;
  ds.genres = genres;

  // Decode in parallel; each worker writes only its own slot.
  const int n = static_cast<int>(candidates.size());
  std::vector<std::vector<float>> audio(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  int last_reported = 0;
  auto last_time = std::chrono::steady_clock::now();
  AudioLimits limits;
  limits.max_seconds = o.max_track_seconds;
  run_parallel(n, o.threads, [&](int i) {
    try {
      audio[static_cast<size_t>(i)] =
          load_audio(candidates[static_cast<size_t>(i)].path, o.sample_rate, limits);
    } catch (const std::exception& e) {
      errors[static_cast<size_t>(i)] = e.what();
      if (errors[static_cast<size_t>(i)].empty()) errors[static_cast<size_t>(i)] = "unknown error";
    }
    const int d = ++done;
    // A progress line at most twice a second (and at the end), never one per track.
    std::lock_guard<std::mutex> lock(progress_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (d == n || (d > last_reported && now - last_time > std::chrono::milliseconds(500))) {
      std::cerr << "decoding " << d << "/" << n << " tracks" << std::endl;
      last_reported = d;
      last_time = now;
    }
  });

  LoadReport rep;
  rep.found = n;
  for (int i = 0; i < n; ++i) {
    const auto& err = errors[static_cast<size_t>(i)];
    if (!err.empty()) {
      // load_audio's messages start with the path already; keep one line.
      std::string reason = err;
      const std::string& path = candidates[static_cast<size_t>(i)].path;
      if (reason.rfind(path + ": ", 0) == 0) reason = reason.substr(path.size() + 2);
      std::replace(reason.begin(), reason.end(), '\n', ' ');
      log << "skipped " << path << ": " << reason << "\n";
      rep.problems.push_back(path + ": " + reason);
      ++rep.skipped;
      continue;
    }
    Track t = candidates[static_cast<size_t>(i)];
    t.track_id = static_cast<int>(ds.tracks.size());
    ds.tracks.push_back(std::move(t));
    ds.audio.push_back(std::move(audio[static_cast<size_t>(i)]));
    ++rep.loaded;
  }
  log << "loaded " << rep.loaded << " of " << rep.found << " tracks from " << source;
  if (rep.skipped > 0) log << " (" << rep.skipped << " skipped)";
  log << "\n";
  log.flush();
  if (report) *report = rep;
  MGR_CHECK(rep.loaded > 0,
            "none of the " << rep.found << " files of " << source << " could be decoded");
  return ds;
}

Dataset load_gtzan(const GtzanOptions& o, std::ostream& log, LoadReport* report) {
  std::vector<Track> candidates = scan_gtzan(o);
  return decode_tracks(std::move(candidates), o.genres.empty() ? gtzan_genres() : o.genres, o,
                       o.root, log, report);
}

int64_t seconds_to_samples(double seconds, int sample_rate) {
  return std::llround(seconds * sample_rate);
}

bool pad_short_track(std::vector<float>& audio, int64_t clip_samples, int64_t max_pad_samples) {
  const auto len = static_cast<int64_t>(audio.size());
  if (len == 0 || len >= clip_samples || clip_samples - len > max_pad_samples) return false;
  audio.resize(static_cast<size_t>(clip_samples), 0.0f);
  return true;
}

void log_padded_tracks(std::ostream& log, int padded, size_t tracks, double clip_seconds,
                       const std::string& first_padded) {
  if (padded > 0)
    log << "segment_clips: " << padded << " of " << tracks
        << " tracks are a little shorter than one " << clip_seconds
        << " s clip and were padded with silence to one clip (data.pad_short_seconds; "
        << "first: " << first_padded << ")\n";
}

void segment_clips(Dataset& ds, double clip_seconds, double hop_seconds, std::ostream& log,
                   double pad_short_seconds) {
  MGR_CHECK(clip_seconds > 0 && hop_seconds > 0, "segment_clips: clip_seconds ("
                                                     << clip_seconds << ") and hop_seconds ("
                                                     << hop_seconds << ") must be positive");
  MGR_CHECK(ds.audio.size() == ds.tracks.size(),
            "segment_clips: " << ds.tracks.size() << " tracks but " << ds.audio.size()
                              << " decoded audio buffers");
  const int64_t clip = seconds_to_samples(clip_seconds, ds.sample_rate);
  const int64_t hop = seconds_to_samples(hop_seconds, ds.sample_rate);
  MGR_CHECK(clip > 0 && hop > 0,
            "segment_clips: clip or hop rounds to zero samples at " << ds.sample_rate << " Hz");
  ds.clip_samples = clip;
  MGR_CHECK(pad_short_seconds >= 0,
            "segment_clips: pad_short_seconds (" << pad_short_seconds << ") must be >= 0");
  const int64_t max_pad = seconds_to_samples(pad_short_seconds, ds.sample_rate);
  ds.clips.clear();
  int too_short = 0, padded = 0;
  std::string first_short, first_padded;
  for (size_t t = 0; t < ds.tracks.size(); ++t) {
    if (pad_short_track(ds.audio[t], clip, max_pad) && padded++ == 0)
      first_padded = ds.tracks[t].path;
    const auto len = static_cast<int64_t>(ds.audio[t].size());
    if (len < clip) {
      if (too_short++ == 0) first_short = ds.tracks[t].path;
      continue;
    }
    for (int64_t off = 0; off + clip <= len; off += hop) {
      ds.clips.push_back(Clip{ds.tracks[t].track_id, ds.tracks[t].label, off});
    }
  }
  log_padded_tracks(log, padded, ds.tracks.size(), clip_seconds, first_padded);
  if (too_short > 0) {
    log << "segment_clips: " << too_short << " of " << ds.tracks.size()
        << " tracks are shorter than one " << clip_seconds
        << " s clip and give no clips (first: " << first_short << ")\n";
  }
}

void gather_clips(const Dataset& ds, const std::vector<int>& clip_indices, float* out) {
  MGR_CHECK(ds.clip_samples > 0, "gather_clips: the dataset is not segmented (clip_samples = 0)");
  const auto cs = static_cast<size_t>(ds.clip_samples);
  for (size_t r = 0; r < clip_indices.size(); ++r) {
    const int ci = clip_indices[r];
    MGR_CHECK(ci >= 0 && static_cast<size_t>(ci) < ds.clips.size(),
              "gather_clips: clip index " << ci << " out of range [0, " << ds.clips.size() << ")");
    const Clip& c = ds.clips[static_cast<size_t>(ci)];
    const auto& a = ds.audio[static_cast<size_t>(c.track_id)];
    MGR_CHECK(c.offset >= 0 && static_cast<size_t>(c.offset) + cs <= a.size(),
              "gather_clips: clip " << ci << " [" << c.offset << ", +" << cs << ") runs past track "
                                    << c.track_id << " (" << a.size() << " samples)");
    std::memcpy(out + r * cs, a.data() + c.offset, cs * sizeof(float));
  }
}

}  // namespace mgr::data
