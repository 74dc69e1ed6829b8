// Classification metrics: accuracy, confusion matrix, per-class precision/recall/F1, and the
// per-track majority vote over clip predictions.
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

}  // namespace mgr::train
