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
#include "framework/features/pipeline.h"
#include "framework/store/feature_cache.h"

namespace mgr::train {

struct ComputeOptions {
  int batch_clips = 0;  // 0: pipeline.config().batch_clips
  // Called after each batch with (clips done, clips in total); none: no progress output.
  std::function<void(int64_t, int64_t)> progress;
  // Applied to each batch of audio [b, clip_samples] on the pipeline's device (after the upload
  // and the int16 conversion) before the feature pipeline: training augmentation on audio
  // (framework/features/augment.h). None: the audio as decoded.
  std::function<void(Tensor& audio)> audio_transform;
};

// Features of ds.clips[clips[i]] as row i: [clips.size(), pipeline.output_shape(...)...] on
// pipeline.device(). With features.upload = int16 the audio is quantised to 16 bits on either
// device, so CPU and CUDA compute the same function.
Tensor compute_features(const data::Dataset& ds, const std::vector<int>& clips,
                        features::FeaturePipeline& pipeline, const ComputeOptions& opt = {});

struct FeatureTable {
  Tensor features;                            // [num_clips, ...] on the requested device
  bool cache_hit = false;                     // read from the cache
  std::string cache_path;                     // empty when features.cache is off
  std::shared_ptr<data::FeatureCache> cache;  // for normalisation statistics; null when off
};

struct FeatureTableOptions {
  std::string corpus_root;   // the synthetic corpus folder (its corpus.json joins the key)
  std::string out_path;      // cache file to use instead of <cache_dir>/<type>-<key>.h5
  bool force_cache = false;  // use the cache even when features.cache is off (extract_features)
  bool quiet = false;        // no progress line
};

// Every clip of ds through the pipeline, read from / written to the feature cache when
// features.cache is auto. Prints one line on `log`: cache hit, miss (and where it wrote), or a
// rebuilt corrupt cache.
FeatureTable feature_table(const config::ExperimentConfig& cfg, const data::Dataset& ds,
                           features::FeaturePipeline& pipeline, std::ostream& log,
                           const FeatureTableOptions& opt);

}  // namespace mgr::train
