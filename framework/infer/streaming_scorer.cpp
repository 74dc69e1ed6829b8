#include "framework/infer/streaming_scorer.h"

#include <algorithm>

#include "kernels/error.h"

namespace mgr::infer {

StreamingScorer::StreamingScorer(TrainedModel& model, int batch_clips)
    : model_(model),
      batch_clips_(std::max(1, batch_clips)),
      clip_(model.clip_samples()),
      hop_(model.hop_samples()) {
  MGR_CHECK(clip_ > 0 && hop_ > 0, "StreamingScorer: clip and hop must be positive");
}

void StreamingScorer::push(const float* samples, size_t n) {
  const int64_t pos = total_;
  total_ += static_cast<int64_t>(n);
  // With a hop longer than the clip, the audio between clips is never needed: skip it.
  const int64_t from = std::max(pos, buffer_start_);
  if (from >= total_) return;
  if (buffer_.empty()) buffer_start_ = from;
  buffer_.insert(buffer_.end(), samples + (from - pos), samples + n);
  score_ready(false);
}

void StreamingScorer::score_ready(bool at_end) {
  for (;;) {
    std::vector<int64_t> offsets;
    for (int64_t off = next_clip_;
         off + clip_ <= total_ && static_cast<int>(offsets.size()) < batch_clips_; off += hop_)
      offsets.push_back(off - buffer_start_);
    if (offsets.empty()) break;
    if (!at_end && static_cast<int>(offsets.size()) < batch_clips_) break;  // wait for a batch
    ClipScores s =
        model_.score_features(model_.clip_features(buffer_, offsets, batch_clips_), batch_clips_);
    for (int64_t off : offsets) scores_.offsets.push_back(off + buffer_start_);
    scores_.probs.insert(scores_.probs.end(), s.probs.begin(), s.probs.end());
    scores_.decisions.insert(scores_.decisions.end(), s.decisions.begin(), s.decisions.end());
    scores_.clips += s.clips;
    next_clip_ = offsets.back() + buffer_start_ + hop_;
    // Drop the audio before the next clip (all of it when the next clip starts further on).
    const int64_t drop =
        std::min<int64_t>(next_clip_ - buffer_start_, static_cast<int64_t>(buffer_.size()));
    buffer_.erase(buffer_.begin(), buffer_.begin() + drop);
    buffer_start_ = buffer_.empty() ? next_clip_ : buffer_start_ + drop;
  }
}

ClipScores StreamingScorer::finish() {
  MGR_CHECK(total_ > 0, "no audio");
  score_ready(true);
  if (scores_.clips == 0) {
    // Shorter than one clip: every sample is still held; one clip, zero-padded.
    scores_ = model_.score_features(model_.clip_features(buffer_, {0}, batch_clips_), 1);
    scores_.offsets = {0};
    scores_.padded = true;
  }
  ClipScores out = std::move(scores_);
  scores_ = ClipScores{};
  return out;
}

}  // namespace mgr::infer
