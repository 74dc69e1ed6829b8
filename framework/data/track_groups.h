// Tracks decoded a group at a time, in track order: the input side of a feature cache built for a
// corpus larger than memory. At most two groups of decoded audio exist at once (the one the caller
// is featurising and the next, decoded in the background by `threads` workers), so memory follows
// the group size, never the corpus.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/data/dataset.h"

namespace mgr::data {

struct DecodedGroup {
  int begin = 0, end = 0;                 // the candidate range [begin, end) of this group
  std::vector<int> decoded;               // candidate indices that decoded, in order
  std::vector<std::vector<float>> audio;  // their samples (same order as `decoded`)
  std::vector<std::string> problems;      // "<path>: <reason>", one per candidate that did not
};

struct GroupDecodeOptions {
  int sample_rate = 22050;
  double max_track_seconds = 1200;  // longer tracks are skipped (data.max_track_seconds)
  int group_tracks = 0;             // tracks per group; 0: 4 per decoding thread (at least 8)
  int threads = 0;                  // 0: hardware concurrency
};

class TrackGroupDecoder {
 public:
  // Decodes candidates[begin, end) group by group; `candidates` must outlive the decoder.
  TrackGroupDecoder(const std::vector<Track>& candidates, int begin, int end,
                    const GroupDecodeOptions& o);
  ~TrackGroupDecoder();  // waits for the group being decoded
  TrackGroupDecoder(const TrackGroupDecoder&) = delete;
  TrackGroupDecoder& operator=(const TrackGroupDecoder&) = delete;

  // The next group (and starts decoding the one after it); nullopt after the last.
  std::optional<DecodedGroup> next();
  int group_tracks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Clips of one decoded track cut like segment_clips (whole clips every hop samples from 0), at most
// max_clips (0: all): the offsets.
std::vector<int64_t> clip_offsets(int64_t track_samples, int64_t clip_samples, int64_t hop_samples,
                                  int max_clips);

}  // namespace mgr::data
