// The feature cache of a corpus of any size. The corpus is listed (no audio read), keyed from that
// list, and built a group of tracks at a time (decode, cut, featurise, append to a chunked HDF5
// file), so building never holds more than two groups of audio; optionally as N shard files
// (`extract_features --shard i/N`, one job of an array each) that a run reads as one table. A run
// then keeps the table in memory when it fits (load_table) or reads batches from disk
// (disk_source.h). A cache hit decodes nothing: the clip list comes from the files.
//
// File (one per shard; the whole list is shard 0 of 1, named <type>-<key16>.h5, a shard
// <type>-<key16>.shard-III-of-NNN.h5, both under features.cache_dir):
//   /features       f32 [rows, clip shape...]  chunked by clips (extendible), optionally gzip
//   /labels         i32 [rows]     /track_ids  i32 [rows]: the candidate index of the clip's track
//   /clip_offsets   i64 [rows]     /decoded    i32: candidate indices of the shard that decoded
//   /problems       text (JSON list): "<path>: <reason>" of the shard's candidates that did not
//   /meta           text (JSON): format, key, shard, candidate range, rows, clip shape and
//                   samples, genres, parameters, created, mgr_git_commit, features_sha256
// Written to <file>.tmp.<pid> and renamed when complete; a file that fails any check (key, shard,
// shapes, checksum of /features) is reported in one line, removed and built again. Normalisation
// statistics live beside the first file in <file>.stats/<group>.json (never written into a file
// that other processes may be reading).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/data/dataset.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/tensor/tensor.h"

namespace mgr::train {

// The corpus before decoding, in track order.
struct TrackList {
  std::vector<data::Track> candidates;
  std::vector<std::string> genres;
  std::string source;           // names the corpus in messages
  std::string corpus_manifest;  // the synthetic corpus's corpus.json text; empty otherwise
};

// Shard `index` of `count` holds candidates [index*T/count, (index+1)*T/count).
struct ShardSpec {
  int index = 0, count = 1;
};
// "i/N" with 0 <= i < N; mgr::Error otherwise.
ShardSpec parse_shard(const std::string& text);

// 64 hex digits over everything that changes the table: each candidate's genre, file name, id and
// size, the genres, sample rate, clip seconds and hop, max clips per track, max track seconds,
// the pipeline's parameters, the feature code version and the synthetic corpus manifest.
std::string track_list_cache_key(const config::ExperimentConfig& cfg, const TrackList& tracks,
                                 const features::FeaturePipeline& pipeline);
std::string cache_shard_path(const config::ExperimentConfig& cfg, const std::string& key,
                             ShardSpec shard);

struct CacheTable {
  std::string key;
  std::vector<std::string> files;  // in shard order
  std::vector<int64_t> first_row;  // of each file, in table rows
  int64_t rows = 0;
  Shape clip_shape;
  data::Dataset ds;  // the tracks that decoded (renumbered), their clips, genres; no audio
  data::LoadReport report;
  bool built = false;  // some file was built by this call (a cache miss)
  int64_t bytes() const;
};

struct CacheBuildOptions {
  bool quiet = false;    // no progress lines
  int threads = 0;       // decoding threads; 0: every core
  int group_tracks = 0;  // tracks decoded per group; 0: 4 per thread, at least 8
};

// Builds shard `shard` of the list's cache unless a valid file is already there; returns its
// path. Prints a progress line while it works and one line when done on `log`.
std::string build_cache_shard(const config::ExperimentConfig& cfg, const TrackList& tracks,
                              features::FeaturePipeline& pipeline, ShardSpec shard,
                              std::ostream& log, const CacheBuildOptions& opt = {});

// The list's table: the whole-list file, else a set of shard files when any shard of some count
// N exists (its missing or damaged shards are built here, so a job array with failed jobs is
// completed by the run that needs it), else the whole-list file is built. Every file is checked.
// mgr::Error when no track decodes.
CacheTable open_cache_table(const config::ExperimentConfig& cfg, const TrackList& tracks,
                            features::FeaturePipeline& pipeline, std::ostream& log,
                            const CacheBuildOptions& opt = {});

// Tests: called with a stage name ("features" after each group of rows appended,
// "before_rename") and the temporary path while a cache file is written; may throw to simulate
// a crash. None: no hook.
void set_cache_write_hook(std::function<void(const std::string&, const std::string&)> hook);

// Reads rows of a table's files (host floats, row-major).
class CacheTableReader {
 public:
  explicit CacheTableReader(const CacheTable& table);
  ~CacheTableReader();
  CacheTableReader(const CacheTableReader&) = delete;
  CacheTableReader& operator=(const CacheTableReader&) = delete;
  // Row rows[i] into out + i * row_elements(); any order, repeats allowed.
  void read_rows(const std::vector<int>& rows, float* out) const;
  void read_range(int64_t first, int64_t count, float* out) const;
  int64_t row_elements() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole table as one tensor on `device`.
Tensor load_table(const CacheTable& table, Device device);

// Normalisation statistics of a table kept beside its first file (<file>.stats/<group>.json);
// `tag` must match what was stored, else nullopt.
std::optional<features::NormalisationStats> load_table_statistics(const CacheTable& table,
                                                                  const std::string& group,
                                                                  const std::string& tag);
void store_table_statistics(const CacheTable& table, const std::string& group,
                            const std::string& tag, const features::NormalisationStats& s);

// features.memory_budget_gb in bytes; 0: half of the machine's memory or of the cgroup's limit,
// whichever is lower, and on a CUDA device (where the table in memory sits whole) also at most
// half of the device's memory.
int64_t memory_budget_bytes(double gb, Device device = Device::cpu());

}  // namespace mgr::train
