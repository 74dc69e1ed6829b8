#include "framework/engine/metrics.h"

#include <map>

#include "kernels/error.h"

namespace mgr::train {

std::vector<int> argmax_rows(const std::vector<float>& probs, int num_classes) {
  MGR_CHECK(num_classes > 0 && probs.size() % num_classes == 0, "argmax_rows: bad sizes");
  const size_t n = probs.size() / num_classes;
  std::vector<int> out(n);
  for (size_t i = 0; i < n; ++i) {
    int best = 0;
    for (int c = 1; c < num_classes; ++c)
      if (probs[i * num_classes + c] > probs[i * num_classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

ClassificationReport classify_report(const std::vector<int>& truth, const std::vector<int>& pred,
                                     int num_classes) {
  MGR_CHECK(truth.size() == pred.size(),
            "classify_report: " << truth.size() << " labels, " << pred.size() << " predictions");
  ClassificationReport r;
  r.n = static_cast<int>(truth.size());
  r.confusion.assign(num_classes, std::vector<int>(num_classes, 0));
  int correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    MGR_CHECK(truth[i] >= 0 && truth[i] < num_classes && pred[i] >= 0 && pred[i] < num_classes,
              "classify_report: label out of range at " << i);
    ++r.confusion[truth[i]][pred[i]];
    correct += truth[i] == pred[i];
  }
  r.accuracy = r.n ? double(correct) / r.n : 0.0;
  r.per_class.resize(num_classes);
  double f1_sum = 0;
  for (int c = 0; c < num_classes; ++c) {
    int tp = r.confusion[c][c], col = 0, row = 0;
    for (int k = 0; k < num_classes; ++k) col += r.confusion[k][c], row += r.confusion[c][k];
    ClassScores& s = r.per_class[c];
    s.support = row;
    s.precision = col ? double(tp) / col : 0.0;
    s.recall = row ? double(tp) / row : 0.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    f1_sum += s.f1;
  }
  r.macro_f1 = num_classes ? f1_sum / num_classes : 0.0;
  return r;
}

namespace {

// Per track: clip votes per class (argmax rows), summed probabilities per class, true label.
struct Tally {
  std::vector<int> votes;
  std::vector<double> mass;
  int truth = -1;
};

std::map<int, Tally> tally_tracks(const std::vector<int>& clip_track,
                                  const std::vector<int>& clip_truth,
                                  const std::vector<float>& clip_probs, int num_classes,
                                  const char* who) {
  const size_t n = clip_track.size();
  MGR_CHECK(num_classes > 0 && clip_truth.size() == n && clip_probs.size() == n * num_classes,
            who << ": bad sizes");
  std::map<int, Tally> tallies;
  const std::vector<int> pred = argmax_rows(clip_probs, num_classes);
  for (size_t i = 0; i < n; ++i) {
    Tally& t = tallies[clip_track[i]];
    if (t.votes.empty())
      t.votes.assign(num_classes, 0), t.mass.assign(num_classes, 0.0), t.truth = clip_truth[i];
    MGR_CHECK(t.truth == clip_truth[i],
              who << ": track " << clip_track[i] << " has clips with two labels");
    ++t.votes[pred[i]];
    for (int c = 0; c < num_classes; ++c) t.mass[c] += clip_probs[i * num_classes + c];
  }
  return tallies;
}

// Lexicographic argmax over (primary, secondary) per class, ties to the lower class index.
template <typename A, typename B>
int best_class(const std::vector<A>& primary, const std::vector<B>& secondary) {
  int best = 0;
  for (int c = 1; c < static_cast<int>(primary.size()); ++c)
    if (primary[c] > primary[best] ||
        (primary[c] == primary[best] && secondary[c] > secondary[best]))
      best = c;
  return best;
}

}  // namespace

TrackVote vote_by_track(const std::vector<int>& clip_track, const std::vector<int>& clip_truth,
                        const std::vector<float>& clip_probs, int num_classes) {
  TrackVote out;
  for (auto& [id, t] :
       tally_tracks(clip_track, clip_truth, clip_probs, num_classes, "vote_by_track")) {
    out.track_ids.push_back(id);
    out.truth.push_back(t.truth);
    out.pred.push_back(best_class(t.votes, t.mass));
  }
  return out;
}

TrackVote vote_by_mean_probability(const std::vector<int>& clip_track,
                                   const std::vector<int>& clip_truth,
                                   const std::vector<float>& clip_probs, int num_classes) {
  TrackVote out;
  // The mean is the sum over the track's clips divided by their count: the same argmax, so the
  // sums are compared (no rounding of the division can tie two different sums).
  for (auto& [id, t] :
       tally_tracks(clip_track, clip_truth, clip_probs, num_classes, "vote_by_mean_probability")) {
    out.track_ids.push_back(id);
    out.truth.push_back(t.truth);
    out.pred.push_back(best_class(t.mass, t.votes));
  }
  return out;
}

ThresholdVote threshold_vote(const std::vector<int>& clip_track, const std::vector<int>& clip_truth,
                             const std::vector<float>& clip_probs, int num_classes, int threshold) {
  MGR_CHECK(threshold >= 1, "threshold_vote: the threshold T must be >= 1, got " << threshold);
  ThresholdVote out;
  out.threshold = threshold;
  int r1 = 0, r2 = 0;
  for (auto& [id, t] :
       tally_tracks(clip_track, clip_truth, clip_probs, num_classes, "threshold_vote")) {
    MGR_CHECK(t.truth >= 0 && t.truth < num_classes,
              "threshold_vote: label " << t.truth << " of track " << id << " out of range");
    const int plural = best_class(t.votes, t.mass);
    const int pv = t.votes[plural], tv = t.votes[t.truth];
    const int pred = pv >= threshold ? plural : -1;
    out.track_ids.push_back(id);
    out.truth.push_back(t.truth);
    out.plurality.push_back(plural);
    out.plurality_votes.push_back(pv);
    out.truth_votes.push_back(tv);
    out.pred.push_back(pred);
    out.rejected += pred == -1;
    r1 += pred == t.truth;
    r2 += tv >= threshold;
  }
  const size_t n = out.track_ids.size();
  out.plurality_reaches_t = n ? double(r1) / n : 0.0;
  out.truth_reaches_t = n ? double(r2) / n : 0.0;
  return out;
}

nlohmann::json threshold_vote_to_json(const ThresholdVote& v) {
  return {{"T", v.threshold},
          {"n", v.track_ids.size()},
          {"plurality_reaches_T", v.plurality_reaches_t},
          {"truth_reaches_T", v.truth_reaches_t},
          {"rejected", v.rejected}};
}

nlohmann::json track_votes_to_json(const TrackVote& mean_probability,
                                   const ThresholdVote& threshold, int num_classes,
                                   const std::vector<std::string>& class_names) {
  return {{"mean_probability", report_to_json(classify_report(mean_probability.truth,
                                                              mean_probability.pred, num_classes),
                                              class_names)},
          {"threshold", threshold_vote_to_json(threshold)}};
}

nlohmann::json report_to_json(const ClassificationReport& r,
                              const std::vector<std::string>& names) {
  nlohmann::json j;
  j["n"] = r.n;
  j["accuracy"] = r.accuracy;
  j["macro_f1"] = r.macro_f1;
  j["confusion_matrix"] = r.confusion;
  j["confusion_matrix_axes"] = "rows: true class, columns: predicted class, in class_names order";
  nlohmann::json per = nlohmann::json::object();
  for (size_t c = 0; c < r.per_class.size(); ++c) {
    const ClassScores& s = r.per_class[c];
    per[c < names.size() ? names[c] : std::to_string(c)] = {
        {"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
  }
  j["per_class"] = per;
  return j;
}

}  // namespace mgr::train
