#include "framework/engine/metrics.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Six tracks of three classes, hand-made so that the decisions differ (T = 2). Per track: true
// label, clip votes (argmax of each row), and what each rule decides.
//   track 1 (0): votes 0,0,1; masses 1.0 / 1.8 / 0.2   majority 0, mean 1, R1 ok,  R2 ok
//   track 2 (1): votes 0,1,2; masses 1.05/1.15/0.8     majority 1 (mass), R1 rejected, R2 no
//   track 3 (2): votes 2,2,0,0; masses 1.2/0.6/2.2     majority 2 (tie, mass), R1 ok, R2 ok
//   track 4 (0): votes 1,1,0; masses 1.3/1.45/0.25     majority 1, mean 1, R1 wrong, R2 no
//   track 5 (1): votes 0,0,0,1,1; masses 2.0/2.5/0.5   majority 0, mean 1, R1 wrong, R2 ok
//   track 6 (2): one clip voting 2                     majority 2, R1 rejected, R2 no (< T clips)
struct Clips {
  std::vector<int> track, truth;
  std::vector<float> probs;
  void add(int t, int y, std::vector<float> p) {
    track.push_back(t);
    truth.push_back(y);
    probs.insert(probs.end(), p.begin(), p.end());
  }
};

Clips table2_clips() {
  Clips c;
  c.add(1, 0, {0.5f, 0.4f, 0.1f});
  c.add(1, 0, {0.5f, 0.4f, 0.1f});
  c.add(1, 0, {0.0f, 1.0f, 0.0f});
  c.add(2, 1, {0.6f, 0.3f, 0.1f});
  c.add(2, 1, {0.2f, 0.7f, 0.1f});
  c.add(2, 1, {0.25f, 0.15f, 0.6f});
  c.add(3, 2, {0.1f, 0.1f, 0.8f});
  c.add(3, 2, {0.5f, 0.2f, 0.3f});  // clips of a track need not be contiguous
  c.add(3, 2, {0.1f, 0.1f, 0.8f});
  c.add(3, 2, {0.5f, 0.2f, 0.3f});
  c.add(4, 0, {0.2f, 0.7f, 0.1f});
  c.add(4, 0, {0.2f, 0.7f, 0.1f});
  c.add(4, 0, {0.9f, 0.05f, 0.05f});
  for (int i = 0; i < 3; ++i) c.add(5, 1, {0.6f, 0.3f, 0.1f});
  for (int i = 0; i < 2; ++i) c.add(5, 1, {0.1f, 0.8f, 0.1f});
  c.add(6, 2, {0.1f, 0.2f, 0.7f});
  return c;
}

TEST(TrackVotes, MajorityAndMeanProbability) {
  const Clips c = table2_clips();
  const train::TrackVote major = train::vote_by_track(c.track, c.truth, c.probs, 3);
  EXPECT_EQ(major.track_ids, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(major.pred, (std::vector<int>{0, 1, 2, 1, 0, 2}));
  const train::TrackVote mean = train::vote_by_mean_probability(c.track, c.truth, c.probs, 3);
  EXPECT_EQ(mean.track_ids, major.track_ids);
  EXPECT_EQ(mean.truth, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(mean.pred, (std::vector<int>{1, 1, 2, 1, 1, 2}));
  EXPECT_DOUBLE_EQ(train::classify_report(mean.truth, mean.pred, 3).accuracy, 4.0 / 6.0);
}

TEST(TrackVotes, MeanProbabilityTieRule) {
  // Exact ties in summed probability (binary fractions): the class with more clip votes wins,
  // then the lower class index.
  Clips c;
  c.add(0, 1, {0.25f, 0.5f, 0.25f});
  c.add(0, 1, {0.25f, 0.5f, 0.25f});
  c.add(0, 1, {0.75f, 0.25f, 0.f});  // masses 1.25 / 1.25 / 0.5, votes 1 / 2 / 0
  c.add(1, 2, {0.75f, 0.25f, 0.f});
  c.add(1, 2, {0.25f, 0.75f, 0.f});  // masses 1 / 1 / 0, votes 1 / 1 / 0
  const train::TrackVote v = train::vote_by_mean_probability(c.track, c.truth, c.probs, 3);
  EXPECT_EQ(v.pred, (std::vector<int>{1, 0}));
}

TEST(TrackVotes, ThresholdVoteBothReadings) {
  const Clips c = table2_clips();
  const train::ThresholdVote v = train::threshold_vote(c.track, c.truth, c.probs, 3, 2);
  EXPECT_EQ(v.threshold, 2);
  EXPECT_EQ(v.track_ids, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(v.plurality, (std::vector<int>{0, 1, 2, 1, 0, 2}));
  EXPECT_EQ(v.plurality_votes, (std::vector<int>{2, 1, 2, 2, 3, 1}));
  EXPECT_EQ(v.truth_votes, (std::vector<int>{2, 1, 2, 1, 2, 1}));
  EXPECT_EQ(v.pred, (std::vector<int>{0, -1, 2, 1, 0, -1}));
  EXPECT_EQ(v.rejected, 2);
  EXPECT_DOUBLE_EQ(v.plurality_reaches_t, 2.0 / 6.0);  // tracks 1 and 3
  EXPECT_DOUBLE_EQ(v.truth_reaches_t, 3.0 / 6.0);      // tracks 1, 3 and 5

  // T = 1 is the majority vote with nothing rejected (R1), and "the truth got any vote" (R2).
  const train::ThresholdVote v1 = train::threshold_vote(c.track, c.truth, c.probs, 3, 1);
  EXPECT_EQ(v1.pred, v1.plurality);
  EXPECT_EQ(v1.rejected, 0);
  EXPECT_DOUBLE_EQ(v1.plurality_reaches_t, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(v1.truth_reaches_t, 1.0);  // every true label has at least one vote
  // T = 3: only track 5's plurality (wrong) reaches it; no true label does.
  const train::ThresholdVote v3 = train::threshold_vote(c.track, c.truth, c.probs, 3, 3);
  EXPECT_EQ(v3.rejected, 5);
  EXPECT_EQ(v3.plurality_reaches_t, 0.0);
  EXPECT_EQ(v3.truth_reaches_t, 0.0);

  EXPECT_THROW(train::threshold_vote(c.track, c.truth, c.probs, 3, 0), Error);
  EXPECT_THROW(train::threshold_vote(c.track, c.truth, {0.1f}, 3, 2), Error);
  const train::ThresholdVote empty = train::threshold_vote({}, {}, {}, 3, 2);
  EXPECT_TRUE(empty.track_ids.empty());
  EXPECT_EQ(empty.plurality_reaches_t, 0.0);
}

TEST(TrackVotes, Json) {
  const Clips c = table2_clips();
  const train::ThresholdVote v = train::threshold_vote(c.track, c.truth, c.probs, 3, 2);
  const train::TrackVote mean = train::vote_by_mean_probability(c.track, c.truth, c.probs, 3);
  const nlohmann::json j = train::track_votes_to_json(mean, v, 3, {"a", "b", "c"});
  EXPECT_EQ(j["threshold"]["T"], 2);
  EXPECT_EQ(j["threshold"]["n"], 6);
  EXPECT_DOUBLE_EQ(j["threshold"]["plurality_reaches_T"].get<double>(), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(j["threshold"]["truth_reaches_T"].get<double>(), 0.5);
  EXPECT_EQ(j["threshold"]["rejected"], 2);
  EXPECT_DOUBLE_EQ(j["mean_probability"]["accuracy"].get<double>(), 4.0 / 6.0);
  EXPECT_EQ(j["mean_probability"]["n"], 6);
  EXPECT_TRUE(j["mean_probability"]["per_class"].contains("b"));
}

}  // namespace
}  // namespace mgr
