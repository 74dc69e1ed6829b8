// Scoring audio that arrives piece by piece (a file decoded block by block): the clips of the
// whole piece, exactly as TrainedModel::score would cut and score them, while only the audio of
// the clips not yet scored is kept. A batch of clips is scored as soon as it is complete, so the
// memory held is about one batch of clips' audio however long the piece is; what grows with the
// length is the scores, a few numbers per clip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "framework/tasks/trained_model.h"

namespace mgr::infer {

class StreamingScorer {
 public:
  StreamingScorer(TrainedModel& model, int batch_clips);

  // The next `n` samples (mono, model.sample_rate()).
  void push(const float* samples, size_t n);
  // Scores the clips left; a piece shorter than one clip is one zero-padded clip (as score()).
  // Throws mgr::Error when nothing was pushed.
  ClipScores finish();

  int64_t samples() const { return total_; }
  size_t buffered_samples() const { return buffer_.size(); }

 private:
  // Scores the complete clips held: in batches of batch_clips_, and at the end whatever is left.
  void score_ready(bool at_end);

  TrainedModel& model_;
  const int batch_clips_;
  const int64_t clip_, hop_;
  std::vector<float> buffer_;  // samples [buffer_start_, buffer_start_ + size)
  int64_t buffer_start_ = 0;
  int64_t total_ = 0;      // samples pushed
  int64_t next_clip_ = 0;  // start of the next clip to score
  ClipScores scores_;
};

}  // namespace mgr::infer
