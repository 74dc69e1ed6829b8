// The device feature pipeline: computes the features of a list of clips into one tensor on the
// pipeline's device. Audio is gathered on the host into two pinned staging buffers, uploaded on
// a separate copy stream (float32, or int16 converted by a kernel: features.upload) so that the
// upload of batch k+1 overlaps the compute of batch k on mgr::cuda::stream(dev), and every
// feature stage runs on the device with no host round trip. On CPU the same code path runs
// without streams. feature_table() adds the HDF5 cache around it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/data/dataset.h"
#include "framework/features/augment.h"
#include "framework/features/pipeline.h"

namespace mgr::train {

// Where each clip of a batch is read and how fast (train.augment crop and speed): given each
// clip's track length and cut offset (batch order) and the clip length, the placement.
using PlaceClips = std::function<features::ClipPlacement(const std::vector<int64_t>& track_samples,
                                                         const std::vector<int64_t>& offset,
                                                         int64_t clip_samples)>;

struct ComputeOptions {
  int batch_clips = 0;  // 0: pipeline.config().batch_clips
  // Called after each batch with (clips done, clips in total); none: no progress output.
  std::function<void(int64_t, int64_t)> progress;
  // Applied to each batch of audio [b, clip_samples] on the pipeline's device (after the upload
  // and the int16 conversion) before the feature pipeline: training augmentation on audio
  // (framework/features/augment.h). None: the audio as decoded.
  std::function<void(Tensor& audio)> audio_transform;
  // Called once per batch before its audio is gathered: clips read elsewhere in their tracks
  // (zeros beyond a track's ends) and resampled on the device to the clip length before
  // audio_transform. None: the clips as cut.
  PlaceClips place;
};

// Features of ds.clips[clips[i]] as row i: [clips.size(), pipeline.output_shape(...)...] on
// pipeline.device(). With features.upload = int16 the audio is quantised to 16 bits on either
// device, so CPU and CUDA compute the same function.
Tensor compute_features(const data::Dataset& ds, const std::vector<int>& clips,
                        features::FeaturePipeline& pipeline, const ComputeOptions& opt = {});

// The features of a run's every clip as one tensor (the table kept in memory).
struct FeatureTable {
  Tensor features;         // [num_clips, ...] on the requested device
  bool cache_hit = false;  // read from the feature cache (cache_table.h)
  std::string cache_path;  // its first file; empty when features.cache is off
};

struct FeatureTableOptions {
  bool quiet = false;  // no progress line
};

// Every clip of an already decoded ds through the pipeline, without a cache (features.cache off;
// with the cache on a run takes its table from cache_table.h instead). Prints a progress line
// and "features: cache off" on `log`.
FeatureTable feature_table(const config::ExperimentConfig& cfg, const data::Dataset& ds,
                           features::FeaturePipeline& pipeline, std::ostream& log,
                           const FeatureTableOptions& opt);

}  // namespace mgr::train
