// Where training and evaluation batches come from (features.mode):
// - precomputed: every clip's features computed once (feature_table: device pipeline + HDF5
//   cache), standardised, and gathered by row for each batch;
// - on_the_fly: each batch's features computed when it is needed, by the same device pipeline
//   (compute_features), then standardised with training statistics streamed once over the
//   training clips. Nothing of the size of the dataset's features is held: the path that
//   augmentation will take (a transform between audio and features, new every epoch).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "framework/data/dataset.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/store/feature_table.h"
#include "framework/tensor/tensor.h"

namespace mgr::train {

// Transforms a batch of audio [clips, samples] in place on the pipeline's device.
using AudioTransform = std::function<void(Tensor& audio)>;

// Training augmentation before the features (train.augment's audio transforms): where each clip
// is read (crop, speed) and what is done to its samples.
struct AudioAugment {
  PlaceClips place;
  AudioTransform transform;
  explicit operator bool() const { return bool(place) || bool(transform); }
};

class FeatureSource {
 public:
  virtual ~FeatureSource() = default;
  // Standardised features of ds.clips[idx[i]] as row i: [idx.size(), clip_shape()...] on the
  // pipeline's device.
  virtual Tensor batch(const std::vector<int>& idx) = 0;
  // A training batch with `audio` (when set) applied to the clips before their features are
  // computed: only a source that computes features from audio (on_the_fly) can; the others
  // refuse a set `audio` (the config refuses audio augmentation with features.mode precomputed).
  // Without `audio`: batch(idx).
  virtual Tensor training_batch(const std::vector<int>& idx, const AudioAugment& audio);
  // Whether training_batch can apply an audio transform.
  virtual bool computes_from_audio() const { return false; }
  virtual Shape clip_shape() const = 0;
  // The rows the next batch() calls will ask for, in order (an epoch's shuffled order, the
  // examples of an evaluation): a source that reads from disk starts reading ahead. A batch()
  // that departs from the plan is still answered, just without the read-ahead.
  virtual void plan(const std::vector<int>& /*upcoming*/) {}
};

// Rows of an already standardised table [N, ...].
std::unique_ptr<FeatureSource> precomputed_source(Tensor table);

// compute_features per batch, then apply_normalisation_(stats). ds and pipeline must outlive it.
std::unique_ptr<FeatureSource> on_the_fly_source(const data::Dataset& ds,
                                                 features::FeaturePipeline& pipeline,
                                                 features::NormalisationStats stats);

// The statistics normalisation_statistics(table, train_clips, mode) would give, computed from
// chunks of chunk_clips training clips without holding the table: global sums each clip's
// moments in train_clips order (the same double sums, so the same result); per_band merges the
// chunks' band means and variances in double (Chan et al.; identical for a single chunk, within
// float rounding otherwise). progress(done, total) after each chunk, when set.
features::NormalisationStats streamed_normalisation_statistics(
    const data::Dataset& ds, const std::vector<int>& train_clips,
    features::FeaturePipeline& pipeline, const std::string& mode, int chunk_clips,
    const std::function<void(int64_t, int64_t)>& progress = {});

// The same statistics from rows handed out by `rows(idx)` ([idx.size(), ...] features of those
// clips, on any device) in chunks of chunk_clips training clips: the cached table read from disk.
features::NormalisationStats streamed_normalisation_statistics(
    const std::vector<int>& train_clips, const std::function<Tensor(const std::vector<int>&)>& rows,
    const std::string& mode, int chunk_clips,
    const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace mgr::train
