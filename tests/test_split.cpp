// make_split: determinism, fractions, track_stratified's separation and balance, random_clips'
// leak, validation of the arguments, and the platform-independent shuffle.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "framework/data/split.h"
#include "kernels/error.h"

namespace mgr::data {
namespace {

// n_genres x tracks_per_genre tracks with clips_per_track clips each (no audio needed).
Dataset corpus(int n_genres, int tracks_per_genre, int clips_per_track) {
  Dataset ds;
  for (int g = 0; g < n_genres; ++g) {
    std::ostringstream name;  // (not "g" + to_string(g): GCC 12 warns falsely on that)
    name << "g" << g;
    ds.genres.push_back(name.str());
  }
  for (int g = 0; g < n_genres; ++g) {
    for (int i = 0; i < tracks_per_genre; ++i) {
      const int id = static_cast<int>(ds.tracks.size());
      ds.tracks.push_back(Track{"x.wav", g, ds.genres[static_cast<size_t>(g)], id});
      for (int c = 0; c < clips_per_track; ++c)
        ds.clips.push_back(Clip{id, g, static_cast<int64_t>(c) * 100});
    }
  }
  ds.clip_samples = 100;
  return ds;
}

std::set<int> tracks_of(const Dataset& ds, const std::vector<int>& clips) {
  std::set<int> t;
  for (int c : clips) t.insert(ds.clips[static_cast<size_t>(c)].track_id);
  return t;
}

void expect_partition(const Dataset& ds, const Split& s) {
  std::vector<int> all = s.train;
  all.insert(all.end(), s.validation.begin(), s.validation.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), ds.clips.size());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<int>(i));
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
}

TEST(Split, ParseNamesAndRejectsOthers) {
  EXPECT_EQ(parse_split("random_clips"), SplitKind::RandomClips);
  EXPECT_EQ(parse_split("track_stratified"), SplitKind::TrackStratified);
  EXPECT_STREQ(split_name(SplitKind::RandomClips), "random_clips");
  try {
    parse_split("by_artist");
    FAIL() << "expected mgr::Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("by_artist"), std::string::npos);
    EXPECT_NE(m.find("random_clips"), std::string::npos);
    EXPECT_NE(m.find("track_stratified"), std::string::npos);
  }
}

TEST(Split, DeterministicBySeedAndSeedsDiffer) {
  const Dataset ds = corpus(10, 10, 10);
  for (SplitKind k : {SplitKind::RandomClips, SplitKind::TrackStratified}) {
    const Split a = make_split(ds, k, {0.8, 0.1, 0.1}, 7);
    const Split b = make_split(ds, k, {0.8, 0.1, 0.1}, 7);
    const Split c = make_split(ds, k, {0.8, 0.1, 0.1}, 8);
    EXPECT_EQ(a.train, b.train);
    EXPECT_EQ(a.validation, b.validation);
    EXPECT_EQ(a.test, b.test);
    EXPECT_NE(a.test, c.test);
    expect_partition(ds, a);
    expect_partition(ds, c);
  }
}

TEST(Split, FractionsRespected) {
  const Dataset ds = corpus(10, 10, 10);  // 1000 clips
  const Split r = make_split(ds, SplitKind::RandomClips, {0.7, 0.2, 0.1}, 1);
  EXPECT_EQ(r.train.size(), 700u);
  EXPECT_EQ(r.validation.size(), 200u);
  EXPECT_EQ(r.test.size(), 100u);
  const Split t = make_split(ds, SplitKind::TrackStratified, {0.7, 0.2, 0.1}, 1);
  EXPECT_EQ(t.train.size(), 700u);  // 7 / 2 / 1 tracks per genre, 10 clips each
  EXPECT_EQ(t.validation.size(), 200u);
  EXPECT_EQ(t.test.size(), 100u);
  const Split two = make_split(ds, SplitKind::TrackStratified, {0.75, 0.25}, 1);
  EXPECT_TRUE(two.validation.empty());
  EXPECT_EQ(two.train.size() + two.test.size(), 1000u);
  // Uneven genre sizes still give every genre its share.
  Dataset uneven = corpus(3, 9, 4);
  const Split u = make_split(uneven, SplitKind::TrackStratified, {0.8, 0.1, 0.1}, 3);
  expect_partition(uneven, u);
}

TEST(Split, TrackStratifiedKeepsTracksTogetherAndGenresBalanced) {
  const Dataset ds = corpus(10, 10, 10);
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Split s = make_split(ds, SplitKind::TrackStratified, {0.8, 0.1, 0.1}, seed);
    const auto tr = tracks_of(ds, s.train), va = tracks_of(ds, s.validation),
               te = tracks_of(ds, s.test);
    for (int t : te) {
      EXPECT_EQ(tr.count(t), 0u);
      EXPECT_EQ(va.count(t), 0u);
    }
    for (int t : va) EXPECT_EQ(tr.count(t), 0u);
    // Every clip of a chosen track comes along, and each genre has 8 / 1 / 1 tracks.
    EXPECT_EQ(s.train.size(), tr.size() * 10);
    std::map<int, int> per_genre_test, per_genre_train;
    for (int t : te) ++per_genre_test[ds.tracks[static_cast<size_t>(t)].label];
    for (int t : tr) ++per_genre_train[ds.tracks[static_cast<size_t>(t)].label];
    for (int g = 0; g < 10; ++g) {
      EXPECT_EQ(per_genre_test[g], 1);
      EXPECT_EQ(per_genre_train[g], 8);
    }
  }
  // A tiny corpus (3 tracks per genre) still puts one track of every genre in each part.
  const Dataset tiny = corpus(10, 3, 2);
  const Split s = make_split(tiny, SplitKind::TrackStratified, {0.8, 0.1, 0.1}, 5);
  EXPECT_EQ(s.train.size(), 20u);
  EXPECT_EQ(s.validation.size(), 20u);
  EXPECT_EQ(s.test.size(), 20u);
}

TEST(Split, RandomClipsLeaksTracksAcrossSides) {
  const Dataset ds = corpus(10, 10, 10);
  const Split s = make_split(ds, SplitKind::RandomClips, {0.8, 0.1, 0.1}, 11);
  const auto tr = tracks_of(ds, s.train), te = tracks_of(ds, s.test);
  int shared = 0;
  for (int t : te) shared += tr.count(t) > 0;
  // With 10 clips per track almost every test track also has clips in training.
  EXPECT_GT(shared, static_cast<int>(te.size()) / 2);
}

TEST(Split, RejectsBadFractionsAndEmptyDatasets) {
  const Dataset ds = corpus(2, 4, 2);
  EXPECT_THROW(make_split(ds, SplitKind::RandomClips, {0.8, 0.1}, 1), Error);       // sum 0.9
  EXPECT_THROW(make_split(ds, SplitKind::RandomClips, {1.1, -0.1}, 1), Error);      // negative
  EXPECT_THROW(make_split(ds, SplitKind::RandomClips, {0.9, 0.0, 0.1}, 1), Error);  // zero
  EXPECT_THROW(make_split(ds, SplitKind::RandomClips, {1.0}, 1), Error);            // one part
  EXPECT_NO_THROW(make_split(ds, SplitKind::RandomClips, {0.8, 0.1, 0.1 + 5e-7}, 1));
  Dataset empty = ds;
  empty.clips.clear();
  EXPECT_THROW(make_split(empty, SplitKind::TrackStratified, {0.8, 0.1, 0.1}, 1), Error);
}

TEST(Split, ShuffleIsFixedAcrossPlatformsAndUniform) {
  // std::mt19937_64's sequence is fixed by the standard and the shuffle is ours, so this order
  // is the same with every compiler and standard library. A change here changes every split.
  std::vector<int> v(10);
  for (int i = 0; i < 10; ++i) v[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(42);
  fisher_yates(v, rng);
  std::ostringstream os;
  for (int x : v) os << x << " ";
  EXPECT_EQ(os.str(), "1 7 9 0 3 8 4 2 5 6 ");
  // Each of 3 values lands in each position about a third of the time.
  int counts[3][3] = {};
  std::mt19937_64 r2(1);
  for (int trial = 0; trial < 30000; ++trial) {
    std::vector<int> w = {0, 1, 2};
    fisher_yates(w, r2);
    for (int p = 0; p < 3; ++p) ++counts[p][w[static_cast<size_t>(p)]];
  }
  for (auto& row : counts) {
    for (int c : row) EXPECT_NEAR(c, 10000, 400);
  }
  EXPECT_THROW(uniform_below(r2, 0), Error);
}

// k-fold cross-validation: the k test folds partition the clips, no track is on two sides,
// every genre is spread evenly over the folds, validation is the next fold, and the folds depend
// on the seed only.
TEST(FoldSplit, TestFoldsPartitionTracksStratifiedByGenre) {
  const Dataset ds = corpus(4, 10, 3);
  const int k = 5;
  std::vector<int> tested(ds.clips.size(), 0);
  for (int f = 0; f < k; ++f) {
    const Split s = make_fold_split(ds, SplitKind::TrackStratified, k, f, 7);
    expect_partition(ds, s);
    const std::set<int> tr = tracks_of(ds, s.train), va = tracks_of(ds, s.validation),
                        te = tracks_of(ds, s.test);
    for (int t : te) EXPECT_FALSE(tr.count(t) || va.count(t)) << "track " << t << " fold " << f;
    for (int t : va) EXPECT_FALSE(tr.count(t));
    // 10 tracks per genre over 5 folds: 2 of each genre in the test and validation folds.
    std::map<int, int> per_genre;
    for (int t : te) ++per_genre[ds.tracks[static_cast<size_t>(t)].label];
    for (int g = 0; g < 4; ++g) EXPECT_EQ(per_genre[g], 2) << "genre " << g << " fold " << f;
    EXPECT_EQ(
        va, tracks_of(ds, make_fold_split(ds, SplitKind::TrackStratified, k, (f + 1) % k, 7).test));
    for (int c : s.test) ++tested[static_cast<size_t>(c)];
  }
  for (int n : tested) EXPECT_EQ(n, 1) << "every clip is tested exactly once over the folds";
  EXPECT_EQ(make_fold_split(ds, SplitKind::TrackStratified, k, 2, 7).test,
            make_fold_split(ds, SplitKind::TrackStratified, k, 2, 7).test);
  EXPECT_NE(make_fold_split(ds, SplitKind::TrackStratified, k, 2, 7).test,
            make_fold_split(ds, SplitKind::TrackStratified, k, 2, 8).test);
}

TEST(FoldSplit, RandomClipFoldsLeakTracksAndRejectBadArguments) {
  const Dataset ds = corpus(2, 6, 5);
  std::vector<int> tested(ds.clips.size(), 0);
  bool leaked = false;
  for (int f = 0; f < 3; ++f) {
    const Split s = make_fold_split(ds, SplitKind::RandomClips, 3, f, 1);
    expect_partition(ds, s);
    EXPECT_EQ(s.test.size(), 20u);
    for (int c : s.test) ++tested[static_cast<size_t>(c)];
    const std::set<int> tr = tracks_of(ds, s.train);
    for (int t : tracks_of(ds, s.test)) leaked |= tr.count(t) > 0;
  }
  for (int n : tested) EXPECT_EQ(n, 1);
  EXPECT_TRUE(leaked) << "clip-level folds put clips of one track on both sides";
  EXPECT_THROW(make_fold_split(ds, SplitKind::TrackStratified, 2, 0, 1), Error);
  EXPECT_THROW(make_fold_split(ds, SplitKind::TrackStratified, 3, 3, 1), Error);
  EXPECT_THROW(make_fold_split(ds, SplitKind::TrackStratified, 3, -1, 1), Error);
}

// The leak is counted from the split, not assumed from its name: random_clips over tracks of one
// clip each puts no track on two sides; over tracks of several clips it does; track_stratified
// never does, in one split or in folds.
TEST(SplitLeak, CountedFromTheSplitItself) {
  const Dataset one_clip = corpus(4, 10, 1);
  const Split r1 = make_split(one_clip, SplitKind::RandomClips, {0.8, 0.1, 0.1}, 3);
  EXPECT_EQ(tracks_on_two_sides(track_sides(one_clip, r1)), 0);

  const Dataset many = corpus(4, 10, 10);
  const Split r10 = make_split(many, SplitKind::RandomClips, {0.8, 0.1, 0.1}, 3);
  const std::vector<TrackSides> sides = track_sides(many, r10);
  EXPECT_GT(tracks_on_two_sides(sides), 20);
  int clips = 0;
  for (const TrackSides& t : sides) clips += t.train + t.validation + t.test;
  EXPECT_EQ(clips, 400);

  const Split t = make_split(many, SplitKind::TrackStratified, {0.8, 0.1, 0.1}, 3);
  EXPECT_EQ(tracks_on_two_sides(track_sides(many, t)), 0);
  for (int f = 0; f < 5; ++f)
    EXPECT_EQ(tracks_on_two_sides(
                  track_sides(many, make_fold_split(many, SplitKind::TrackStratified, 5, f, 2))),
              0);
  EXPECT_GT(tracks_on_two_sides(
                track_sides(many, make_fold_split(many, SplitKind::RandomClips, 5, 0, 2))),
            0);
}

TEST(SplitLeak, CsvHasOneQuotedRowPerTrackWithItsClipsPerPart) {
  Dataset ds = corpus(2, 2, 3);
  ds.tracks[1].path = "a \"b\",c.wav";
  Split s;
  s.train = {0, 1, 2, 3};  // track 0 whole, track 1's first clip
  s.validation = {4, 5};   // track 1's other two
  s.test = {6, 7, 8, 9, 10, 11};
  const std::vector<TrackSides> sides = track_sides(ds, s);
  EXPECT_EQ(tracks_on_two_sides(sides), 1);
  EXPECT_EQ(split_csv(ds, sides),
            "track,path,genre,train_clips,validation_clips,test_clips\n"
            "0,\"x.wav\",\"g0\",3,0,0\n"
            "1,\"a \"\"b\"\",c.wav\",\"g0\",1,2,0\n"
            "2,\"x.wav\",\"g1\",0,0,3\n"
            "3,\"x.wav\",\"g1\",0,0,3\n");
  s.test.push_back(12);
  EXPECT_THROW(track_sides(ds, s), Error);
}

}  // namespace
}  // namespace mgr::data
