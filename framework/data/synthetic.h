// A synthetic genre corpus in the GTZAN layout: ten classes named like GTZAN's, each rendered
// from musically motivated, randomised traits (tempo range, drum patterns, instrument timbres,
// chord progressions, bass and lead lines, noise). Classes overlap on purpose (shared tempi,
// shared instruments, a chance of borrowing another genre's element, random peak level) so a
// model has to learn, while staying far from chance. See datasets/README.md.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mgr::data {

struct SyntheticOptions {
  std::string root;
  int tracks_per_genre = 30;
  double track_seconds = 30.0;
  int sample_rate = 22050;
  uint64_t seed = 1;
  int threads = 0;  // 0: hardware concurrency
};

// Bumped whenever the generator's output changes, so an old corpus on disk is regenerated.
constexpr int kSyntheticGeneratorVersion = 1;

// Writes <root>/<genre>/<genre>.NNNNN.wav (16-bit mono) for the ten GTZAN genre names unless
// <root>/corpus.json says a complete corpus with the same options and generator version is
// there (then nothing is written). The manifest is written last, atomically (temp + rename), so
// an interrupted run is regenerated. Refuses to write into a non-empty folder that is not a
// synthetic corpus. Returns the root. Progress goes to `log`. Processes starting on one corpus
// at once take turns on an exclusive lock (flock) of the corpus folder.
std::string ensure_synthetic_corpus(const SyntheticOptions& o, std::ostream& log);

// Renders one track: mono float, peak <= 1, length round(track_seconds * sample_rate).
// Deterministic by (o.seed, genre_index, track_index); o.root and o.threads are not used.
std::vector<float> synthesize_track(int genre_index, int track_index, const SyntheticOptions& o);

}  // namespace mgr::data
