// Train / validation / test splits of a segmented Dataset.
//   random_clips:     shuffle all clips and cut by fractions. The protocol of the papers; it
//                     LEAKS: clips of one track land on both sides, so test accuracy is inflated.
//   track_stratified: per genre, shuffle that genre's tracks and cut by fractions, then take all
//                     clips of each track. No track is on two sides and class balance is kept.
// Both are deterministic by seed on every platform: std::mt19937_64 (fully specified by the
// standard) drives our own Fisher-Yates shuffle with rejection sampling (std::shuffle and
// std::uniform_int_distribution are implementation-defined).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/data/dataset.h"
#include "framework/data/shuffle.h"

namespace mgr::data {

//   official / gtzan_fault_filtered (SplitKind::Assigned): each track's part is fixed by the
//                     corpus (Track::part: a manifest's split column, FMA's set/split, GTZAN's
//                     fault-filtered lists); tracks without a part take part in nothing.
// When tracks carry a group (an artist or album: a manifest's group column, FMA's artist),
// track_stratified deals groups, not tracks, in one split and in k folds: no group is on two
// sides. A group joins the genre most of its clips have, and fractions count groups.
enum class SplitKind { RandomClips, TrackStratified, Assigned };

// "random_clips" | "track_stratified" | "official" | "gtzan_fault_filtered" (both Assigned);
// anything else throws mgr::Error listing the options.
SplitKind parse_split(const std::string& s);
const char* split_name(SplitKind k);

struct Split {
  std::vector<int> train, validation, test;  // indices into ds.clips, ascending
};

// fractions: {train, validation, test} (or {train, test}: validation stays empty); each must be
// positive and they must sum to 1 (within 1e-6). Counts are floor(f * n) plus largest
// remainders, and when a group (a genre's tracks, or all clips) has at least as many items as
// there are parts, every part gets at least one, so a tiny corpus still tests every class.
Split make_split(const Dataset& ds, SplitKind kind, const std::vector<double>& fractions,
                 uint64_t seed);

// k-fold cross-validation (k >= 3): the items (per genre, its tracks for track_stratified; all
// clips for random_clips) are shuffled by seed and dealt round robin into k folds, so every
// fold holds a genre's tracks in equal numbers (within one). Fold `fold` is the test set, fold
// (fold + 1) mod k the validation set, the other k - 2 the training set. The k test sets are
// disjoint and cover every item, and no track is on two sides for track_stratified.
Split make_fold_split(const Dataset& ds, SplitKind kind, int k, int fold, uint64_t seed);

// How many clips of each track (index = track_id) each part holds.
struct TrackSides {
  int train = 0, validation = 0, test = 0;
  int parts() const { return (train > 0) + (validation > 0) + (test > 0); }
};
std::vector<TrackSides> track_sides(const Dataset& ds, const Split& s);

// Tracks with clips in more than one part: the leak that makes a split optimistic. Computed
// from the split itself, so random_clips with one clip per track is not counted as leaky.
int tracks_on_two_sides(const std::vector<TrackSides>& sides);

// One row per track: track,path,genre,train_clips,validation_clips,test_clips (CSV, header
// first, paths quoted), what a run writes as split.csv so tools outside the framework (the
// real-music table's scikit-learn peers) can use the very same split.
std::string split_csv(const Dataset& ds, const std::vector<TrackSides>& sides);

}  // namespace mgr::data
