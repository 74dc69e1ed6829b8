// Classification metrics: accuracy, confusion matrix, per-class precision/recall/F1, and the
// per-track decisions from clip predictions: majority vote, mean-probability vote and the
// threshold vote of paper 003 (Table 2).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mgr::train {

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  int support = 0;  // true members of the class
};

struct ClassificationReport {
  int n = 0;
  double accuracy = 0;
  std::vector<std::vector<int>> confusion;  // [true][predicted]
  std::vector<ClassScores> per_class;
  double macro_f1 = 0;
};

// `probs` holds n rows of num_classes scores (softmax outputs) for the argmax.
std::vector<int> argmax_rows(const std::vector<float>& probs, int num_classes);

ClassificationReport classify_report(const std::vector<int>& truth, const std::vector<int>& pred,
                                     int num_classes);

// Majority vote per track over its clips' predicted labels; ties are broken by the larger summed
// probability of the tied classes, then by the lower class index. Returns, per track that has at
// least one clip, (true label, voted label), ordered by track id.
struct TrackVote {
  std::vector<int> track_ids, truth, pred;
};
TrackVote vote_by_track(const std::vector<int>& clip_track, const std::vector<int>& clip_truth,
                        const std::vector<float>& clip_probs, int num_classes);

nlohmann::json report_to_json(const ClassificationReport& r,
                              const std::vector<std::string>& class_names);

// Mean-probability vote: per track, the argmax of the mean of its clips' probability rows. Ties
// (equal summed probability) are broken by the larger clip vote count, then by the lower class
// index (vote_by_track's rule with its two keys swapped). Same layout as vote_by_track.
TrackVote vote_by_mean_probability(const std::vector<int>& clip_track,
                                   const std::vector<int>& clip_truth,
                                   const std::vector<float>& clip_probs, int num_classes);

// Threshold vote over the clips' predicted labels (argmax rows) with threshold T, under two
// readings of paper 003's Table 2:
//  R1 "plurality with threshold": a track is correct iff its plurality label (vote_by_track's
//     label, ties broken as there) is the true label AND has >= T votes; a track whose plurality
//     label has fewer than T votes is rejected (no prediction, counted wrong);
//  R2 "true-label support": a track is correct iff its true label has >= T votes.
// A track with fewer than T clips can be correct under neither reading.
struct ThresholdVote {
  int threshold = 0;                  // T
  std::vector<int> track_ids, truth;  // per track with at least one clip, ordered by track id
  std::vector<int> plurality;         // the majority-vote label (always defined)
  std::vector<int> plurality_votes;   // clip votes for it
  std::vector<int> truth_votes;       // clip votes for the true label
  std::vector<int> pred;              // R1: plurality label if it has >= T votes, else -1
  int rejected = 0;                   // R1: tracks with pred == -1
  double plurality_reaches_t = 0;     // R1 accuracy (rejected tracks count as wrong)
  double truth_reaches_t = 0;         // R2 accuracy
};
ThresholdVote threshold_vote(const std::vector<int>& clip_track, const std::vector<int>& clip_truth,
                             const std::vector<float>& clip_probs, int num_classes, int threshold);

// {"T", "n" (tracks), "plurality_reaches_T" (R1 accuracy), "truth_reaches_T" (R2 accuracy),
//  "rejected" (R1 count)}.
nlohmann::json threshold_vote_to_json(const ThresholdVote& v);

// The block of metrics.json for the track decisions beside the majority vote:
// {"mean_probability": report_to_json of its report, "threshold": threshold_vote_to_json(...)}.
nlohmann::json track_votes_to_json(const TrackVote& mean_probability,
                                   const ThresholdVote& threshold, int num_classes,
                                   const std::vector<std::string>& class_names);

}  // namespace mgr::train
