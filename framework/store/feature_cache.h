// The HDF5 feature cache: the features of every clip of a dataset, computed once and read back
// by later runs whose key matches. The key is a SHA-256 over everything that changes the
// numbers: the dataset's file list with sizes (plus the synthetic corpus manifest), sample rate,
// clip settings, the pipeline's parameters (FeaturePipeline::describe) and kFeatureCodeVersion.
//
// File <cache_dir>/<type>-<first 16 hex digits of the key>.h5:
//   /features      f32 [N, ...]  chunked by clips, optionally gzip
//   /labels, /track_ids  i32 [N];  /clip_offsets  i64 [N];  /genres  strings
//   /normalisation/<split>-<seed>/{mean, std}  (attribute mode), added by later runs
//   attributes: key, parameters (JSON) and one attribute per parameter, created (UTC),
//               mgr_git_commit, feature_code_version, features_sha256 (checksum of /features)
// Written atomically (<file>.tmp.<pid>, then rename). A file that cannot be used (HDF5 open
// fails, a dataset is missing, key or shape mismatch, checksum mismatch) is reported in one line
// "cache <file>: <reason>; rebuilding", removed, and the caller recomputes. Reads and the
// in-place normalisation writes hold an advisory lock on <file>.lock (flock), so processes of a
// sweep can share one cache.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "framework/data/dataset.h"
#include "framework/features/standardise.h"
#include "framework/tensor/tensor.h"

namespace mgr::data {

struct CacheKeyInputs {
  std::vector<std::pair<std::string, uint64_t>> files;  // "<genre>/<file name>", size in bytes
  std::string corpus_manifest;  // synthetic corpus: corpus.json text; empty otherwise
  std::vector<std::string> genres;
  int sample_rate = 0;
  double clip_seconds = 0, clip_hop_seconds = 0;
  std::string pipeline;  // FeaturePipeline::describe()
  int code_version = 0;  // features::kFeatureCodeVersion
};

// The inputs for a loaded, segmented dataset (file sizes read from disk).
CacheKeyInputs cache_key_inputs(const Dataset& ds, const std::string& corpus_manifest,
                                double clip_seconds, double clip_hop_seconds,
                                const std::string& pipeline_description, int code_version);
std::string cache_key(const CacheKeyInputs& in);  // 64 hex digits
// <cache_dir>/<type>-<key[0:16]>.h5
std::string cache_file_path(const std::string& cache_dir, const std::string& type,
                            const std::string& key);

struct CachedFeatures {
  Tensor features;  // f32 [N, ...] (host on load; either device on store)
  std::vector<int32_t> labels, track_ids;
  std::vector<int64_t> clip_offsets;
  std::vector<std::string> genres;
};

// The clip metadata of a dataset in cache form (features left undefined).
CachedFeatures clip_metadata(const Dataset& ds);

class FeatureCache {
 public:
  FeatureCache(std::string path, std::string key, nlohmann::json parameters);
  const std::string& path() const { return path_; }
  const std::string& key() const { return key_; }

  // The cached features when the file exists and is valid with the expected per-clip shape.
  // A missing file is a silent miss; an unusable one is reported on `log` in one line, removed,
  // and also a miss.
  std::optional<CachedFeatures> load(const Shape& clip_shape, std::ostream& log) const;
  // Writes atomically; first removes leftover temporary files of this cache whose writer is
  // gone. compression: gzip level 0 (none) .. 9.
  void store(const CachedFeatures& c, int compression) const;

  // Normalisation statistics under /normalisation/<group> (e.g. "track_stratified-3" for the
  // split and its seed); `tag` (the mode and split fractions) must match what was stored,
  // otherwise nullopt, as when absent. store replaces an existing group.
  std::optional<features::NormalisationStats> load_normalisation(const std::string& group,
                                                                 const std::string& tag) const;
  void store_normalisation(const std::string& group, const std::string& tag,
                           const features::NormalisationStats& s) const;

  // Tests: called with a stage name ("features" after each slab of rows, "before_rename") and
  // the temporary path while store() writes; may throw to simulate a crash.
  static void set_write_hook(std::function<void(const std::string&, const std::string&)> hook);

 private:
  std::string path_, key_;
  nlohmann::json parameters_;
};

}  // namespace mgr::data
