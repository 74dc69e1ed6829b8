// An audio data set in the GTZAN layout, decoded once into host memory, and its cut into clips.
//   <root>/<genre>/<genre>.NNNNN.{wav,au,flac,aiff,aif,ogg,oga,opus,mp3}
// Tracks are numbered in sorted order (genres in the given order, then file names), so the same
// folder gives the same ids, clips and splits on every machine.
#pragma once

#include <cstdint>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mgr::data {

// The ten GTZAN genres in their conventional (alphabetical) order; labels index this list.
const std::vector<std::string>& gtzan_genres();

// A track's part when the corpus fixes the split (a manifest's split column, FMA's set/split,
// GTZAN's fault-filtered lists): data.split official / gtzan_fault_filtered use it.
enum class TrackPart { None = -1, Train = 0, Validation = 1, Test = 2 };

struct Track {
  Track() = default;
  Track(std::string path_, int label_, std::string genre_, int track_id_)
      : path(std::move(path_)), label(label_), genre(std::move(genre_)), track_id(track_id_) {}
  std::string path;
  int label = 0;
  std::string genre;
  int track_id = 0;  // index into Dataset::tracks
  // The name data.exclude and the fault-filtered lists use: GTZAN's "blues.00012" (the file
  // name without extension), a manifest's id column, FMA's six-digit track id.
  std::string id;
  // Tracks of one group (an artist, an album) stay on one side of a track split; empty: none.
  std::string group;
  TrackPart part = TrackPart::None;
};

struct Clip {
  int track_id = 0;
  int label = 0;
  int64_t offset = 0;  // first sample in the track
};

struct LoadReport {
  int found = 0, loaded = 0, skipped = 0;
  std::vector<std::string> problems;  // one line each: "<file>: <reason>"
};

struct Dataset {
  int sample_rate = 22050;
  std::vector<std::string> genres;
  std::vector<Track> tracks;
  std::vector<std::vector<float>> audio;  // decoded audio per track (same index as tracks)
  std::vector<Clip> clips;                // after segment_clips
  int64_t clip_samples = 0;
};

struct GtzanOptions {
  std::string root;
  std::vector<std::string> genres;  // empty: all ten GTZAN genres
  int sample_rate = 22050;
  int max_tracks_per_genre = 0;     // 0: all; otherwise the first N in sorted order
  double max_track_seconds = 1200;  // longer tracks are skipped (data.max_track_seconds)
  int threads = 0;                  // 0: hardware concurrency
};

// The audio files of the layout above, in track order (genres in the given order, then file
// names), not decoded: path, label, genre and id (the file name without extension) set. Throws
// mgr::Error when the root or a genre folder is missing or holds no audio files.
std::vector<Track> scan_gtzan(const GtzanOptions& o);

// Decodes `candidates` (any source's tracks, in track order) in parallel with a progress line on
// stderr into a Dataset of `genres`; track_id is renumbered over the tracks that decode. Skips
// and reports like load_gtzan; `source` names the corpus in the summary line. Throws
// mgr::Error when nothing decodes.
Dataset decode_tracks(std::vector<Track> candidates, const std::vector<std::string>& genres,
                      const GtzanOptions& o, const std::string& source, std::ostream& log,
                      LoadReport* report = nullptr);

// Scans the layout above, decodes in parallel with a progress line on stderr, and returns the
// tracks that decoded. An unreadable, truncated, too long or non-finite file, or one whose header
// is out of load_audio's limits, is skipped, counted in `report`, and written as one line
// "skipped <file>: <reason>" to `log`; the others load. Memory follows the audio kept. Throws
// mgr::Error when the root or a genre folder is missing or holds no audio files, or when nothing
// decodes.
Dataset load_gtzan(const GtzanOptions& o, std::ostream& log, LoadReport* report = nullptr);

// Samples in `seconds` of audio at `sample_rate`, rounded to nearest: the one rounding of clip
// and hop lengths, used by segment_clips, by the config's checks and by everything that plans a
// network for a clip.
int64_t seconds_to_samples(double seconds, int sample_rate);

// data.pad_short_seconds: a track shorter than one clip by at most max_pad_samples (and not empty)
// is padded with silence at its end to exactly one clip, so that it gives one clip instead of
// none (GTZAN holds excerpts of 29.9x s, which 30 s clips would otherwise drop). Returns whether
// it padded.
bool pad_short_track(std::vector<float>& audio, int64_t clip_samples, int64_t max_pad_samples);

// The one log line of segment_clips (and of the feature cache's builder) for `padded` of
// `tracks` tracks padded to one clip; nothing when none was.
void log_padded_tracks(std::ostream& log, int padded, size_t tracks, double clip_seconds,
                       const std::string& first_padded);

// Cuts every track into whole clips of clip_seconds starting every hop_seconds (offsets 0, hop,
// 2 hop, ...). A track shorter than one clip gives none, unless it is short by at most
// pad_short_seconds: then its audio is padded with silence to one clip (pad_short_track). Both
// kinds are counted in one line each on `log`. Fills ds.clips (track order, then offset order)
// and ds.clip_samples.
void segment_clips(Dataset& ds, double clip_seconds, double hop_seconds,
                   std::ostream& log = std::cerr, double pad_short_seconds = 0.0);

// Copies the audio of the given clips into a contiguous row-major [n, clip_samples] buffer.
void gather_clips(const Dataset& ds, const std::vector<int>& clip_indices, float* out);

}  // namespace mgr::data
