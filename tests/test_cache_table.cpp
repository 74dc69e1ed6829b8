// Corpora larger than memory (framework/store/cache_table.h, disk_source.h): the feature cache
// built a group of tracks at a time, read back as one table from one file or from N shard files
// (a missing or damaged shard is rebuilt by the run that needs it), and a run whose table is read
// from disk batch by batch giving the same metrics, bit for bit, as the table in memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "framework/data/synthetic.h"
#include "framework/data/track_groups.h"
#include "framework/engine/run_setup.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/store/cache_table.h"
#include "framework/store/disk_source.h"
#include "framework/store/feature_table.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::train {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// 4 genres x 4 synthetic tracks of 3 s, overlapping 1 s clips (5 per track), small log-mel.
config::ExperimentConfig tiny_config(const test::TempDir& tmp) {
  config::ExperimentConfig c;
  c.name = "cache_table";
  c.device = "cpu";
  c.seed = 4;
  c.data.root = tmp.file("corpus");
  c.data.genres = {"blues", "classical", "metal", "pop"};
  c.data.sample_rate = 11025;
  c.data.clip_seconds = 1.0;
  c.data.clip_hop_seconds = 0.5;
  c.data.split_fractions = {0.5, 0.25, 0.25};
  c.data.synthetic.tracks_per_genre = 4;
  c.data.synthetic.track_seconds = 3.0;
  c.features.n_fft = 512;
  c.features.hop_length = 256;
  c.features.n_mels = 16;
  c.features.cache_dir = tmp.file("cache");
  return c;
}

CacheBuildOptions quiet_build() {
  CacheBuildOptions o;
  o.quiet = true;
  return o;
}

TrackList tracks_of(const config::ExperimentConfig& cfg) {
  std::ostringstream log;
  std::string root;
  return select_experiment_tracks(cfg, log, root);
}

std::vector<float> values(const Tensor& t) { return t.cpu().to_vector(); }

TEST(CacheTable, ShardsReadAsOneTableEqualToTheWholeFile) {
  test::TempDir tmp("cache_shards");
  config::ExperimentConfig cfg = tiny_config(tmp);
  const TrackList list = tracks_of(cfg);
  ASSERT_EQ(list.candidates.size(), 16u);
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  std::ostringstream log;
  CacheBuildOptions quiet = quiet_build();
  quiet.group_tracks = 3;  // groups that do not align with shards or genres

  const CacheTable whole = open_cache_table(cfg, list, pipeline, log, quiet);
  EXPECT_TRUE(whole.built);
  ASSERT_EQ(whole.files.size(), 1u);
  EXPECT_EQ(whole.ds.tracks.size(), 16u);
  EXPECT_TRUE(whole.ds.audio.empty()) << "the table holds no audio";
  // The clips are those the in-memory loader cuts (decode everything, segment_clips).
  const LoadedData decoded = load_experiment_data(cfg, log);
  ASSERT_EQ(whole.rows, int64_t(decoded.ds.clips.size()));
  ASSERT_EQ(whole.rows, 16 * 4) << "3 s tracks at 11025 Hz hold four 1 s clips every 0.5 s";
  for (size_t i = 0; i < decoded.ds.clips.size(); ++i) {
    EXPECT_EQ(whole.ds.clips[i].track_id, decoded.ds.clips[i].track_id);
    EXPECT_EQ(whole.ds.clips[i].offset, decoded.ds.clips[i].offset);
    EXPECT_EQ(whole.ds.clips[i].label, decoded.ds.clips[i].label);
  }
  const Tensor a = load_table(whole, Device::cpu());

  // The same list in 3 shards, in another cache folder: one table, the same rows and clips.
  cfg.features.cache_dir = tmp.file("sharded");
  for (int i = 0; i < 3; ++i) build_cache_shard(cfg, list, pipeline, ShardSpec{i, 3}, log, quiet);
  std::ostringstream log2;
  const CacheTable sharded = open_cache_table(cfg, list, pipeline, log2, quiet);
  EXPECT_FALSE(sharded.built);
  EXPECT_THAT(log2.str(), HasSubstr("cache hit"));
  ASSERT_EQ(sharded.files.size(), 3u);
  EXPECT_EQ(sharded.rows, whole.rows);
  EXPECT_EQ(sharded.first_row.front(), 0);
  EXPECT_EQ(values(load_table(sharded, Device::cpu())), values(a));
  ASSERT_EQ(sharded.ds.clips.size(), whole.ds.clips.size());
  for (size_t i = 0; i < whole.ds.clips.size(); ++i) {
    EXPECT_EQ(sharded.ds.clips[i].track_id, whole.ds.clips[i].track_id);
    EXPECT_EQ(sharded.ds.clips[i].offset, whole.ds.clips[i].offset);
    EXPECT_EQ(sharded.ds.clips[i].label, whole.ds.clips[i].label);
  }

  // Rows in any order, across shard boundaries (rows 20 and 40), with repeats.
  const std::vector<int> rows = {63, 0, 38, 39, 40, 41, 19, 20, 5, 5};
  std::vector<float> got(rows.size() * size_t(CacheTableReader(sharded).row_elements()));
  CacheTableReader(sharded).read_rows(rows, got.data());
  const std::vector<float> all = values(a);
  const size_t e = all.size() / size_t(whole.rows);
  for (size_t i = 0; i < rows.size(); ++i)
    ASSERT_TRUE(std::equal(got.begin() + long(i * e), got.begin() + long((i + 1) * e),
                           all.begin() + long(size_t(rows[i]) * e)))
        << "row " << rows[i];

  // A shard that is gone (a failed job of the array) or damaged is rebuilt by the run.
  fs::remove(sharded.files[1]);
  fs::resize_file(sharded.files[2], fs::file_size(sharded.files[2]) / 2);  // a cut-off copy
  std::ostringstream log3;
  const CacheTable again = open_cache_table(cfg, list, pipeline, log3, quiet);
  EXPECT_THAT(log3.str(), HasSubstr("shard 1/3 is missing; building it"));
  EXPECT_THAT(log3.str(), HasSubstr(sharded.files[2] + ": "));
  EXPECT_TRUE(again.built);
  EXPECT_EQ(values(load_table(again, Device::cpu())), values(a));

  // Bytes of the first chunk of features changed in place (the file still opens and every other
  // check passes): the features' checksum catches it.
  {
    haddr_t addr = 0;
    {
      const hid_t f = H5Fopen(again.files[0].c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      const hid_t d = H5Dopen2(f, "features", H5P_DEFAULT);
      const hsize_t origin[4] = {0, 0, 0, 0};
      unsigned mask = 0;
      hsize_t size = 0;
      ASSERT_GE(H5Dget_chunk_info_by_coord(d, origin, &mask, &addr, &size), 0);
      H5Dclose(d);
      H5Fclose(f);
    }
    std::fstream f(again.files[0], std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(std::streamoff(addr + 100));
    f.write("\xff\xff\xff\xff", 4);
  }
  std::ostringstream log4;
  const CacheTable rebuilt = open_cache_table(cfg, list, pipeline, log4, quiet);
  EXPECT_THAT(log4.str(), HasSubstr(again.files[0] + ": "));
  EXPECT_THAT(log4.str(), HasSubstr("rebuilding"));
  EXPECT_EQ(values(load_table(rebuilt, Device::cpu())), values(a));
}

TEST(CacheTable, UndecodableTracksAreSkippedAndStillReportedOnAHit) {
  test::TempDir tmp("cache_skip");
  config::ExperimentConfig cfg = tiny_config(tmp);
  TrackList list = tracks_of(cfg);
  // A file that is not audio in place of one track.
  const std::string bad = tmp.file("broken.wav");
  std::ofstream(bad) << "not audio at all";
  list.candidates[5].path = bad;
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  CacheBuildOptions quiet = quiet_build();
  std::ostringstream log;
  const CacheTable t = open_cache_table(cfg, list, pipeline, log, quiet);
  EXPECT_EQ(t.report.skipped, 1);
  EXPECT_EQ(t.ds.tracks.size(), 15u);
  EXPECT_EQ(t.rows, 15 * 4);
  EXPECT_THAT(log.str(), HasSubstr("skipped " + bad));
  // Track ids are renumbered over the tracks that decoded, as decode_tracks numbers them.
  for (size_t i = 0; i < t.ds.tracks.size(); ++i) EXPECT_EQ(t.ds.tracks[i].track_id, int(i));
  EXPECT_EQ(t.ds.tracks[5].path, list.candidates[6].path);
  std::ostringstream hit;
  const CacheTable h = open_cache_table(cfg, list, pipeline, hit, quiet);
  EXPECT_FALSE(h.built);
  EXPECT_THAT(hit.str(), HasSubstr("skipped " + bad));
  EXPECT_EQ(h.report.skipped, 1);
}

// data.pad_short_seconds: 3 s tracks and 3.05 s clips give one padded clip per track, in the
// cache as in memory, under a key of their own; without it they give none.
TEST(CacheTable, TracksALittleShortArePaddedAsInMemory) {
  test::TempDir tmp("cache_pad");
  config::ExperimentConfig cfg = tiny_config(tmp);
  cfg.data.clip_seconds = 3.05;
  cfg.data.clip_hop_seconds = 3.05;
  cfg.data.pad_short_seconds = 0.1;
  const TrackList list = tracks_of(cfg);
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  CacheBuildOptions quiet = quiet_build();
  std::ostringstream log;
  const CacheTable t = open_cache_table(cfg, list, pipeline, log, quiet);
  EXPECT_EQ(t.rows, 16) << "one clip per track";
  EXPECT_THAT(log.str(), HasSubstr("16 of 16 tracks are a little shorter than one 3.05 s clip"));
  const LoadedData decoded = load_experiment_data(cfg, log);
  ASSERT_EQ(decoded.ds.clips.size(), 16u);
  for (size_t i = 0; i < decoded.ds.clips.size(); ++i) {
    EXPECT_EQ(t.ds.clips[i].track_id, decoded.ds.clips[i].track_id);
    EXPECT_EQ(t.ds.clips[i].offset, 0);
  }
  std::vector<int> all(16);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(values(load_table(t, Device::cpu())),
            values(compute_features(decoded.ds, all, pipeline)));

  config::ExperimentConfig unpadded = cfg;
  unpadded.data.pad_short_seconds = 0;
  EXPECT_NE(track_list_cache_key(unpadded, list, pipeline),
            track_list_cache_key(cfg, list, pipeline));
  std::ostringstream none;
  EXPECT_EQ(load_experiment_data(unpadded, none).ds.clips.size(), 0u);
  EXPECT_THAT(none.str(), HasSubstr("16 of 16 tracks are shorter than one 3.05 s clip"));
}

// A writer killed mid-write whose file another process then finished leaves a temporary that
// no later writer sees: a cache hit removes it (its writer is gone), not a live writer's.
TEST(CacheTable, AHitRemovesTheTemporariesOfDeadWriters) {
  test::TempDir tmp("cache_dead_tmp");
  config::ExperimentConfig cfg = tiny_config(tmp);
  const TrackList list = tracks_of(cfg);
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  CacheBuildOptions quiet = quiet_build();
  std::ostringstream log;
  const CacheTable t = open_cache_table(cfg, list, pipeline, log, quiet);
  ASSERT_FALSE(t.files.empty());
  // A pid that cannot be running (above any pid_max) and this process's own.
  const std::string dead = t.files[0] + ".tmp.2147483646";
  const std::string shard_dead = cache_shard_path(cfg, t.key, ShardSpec{1, 3}) + ".tmp.2147483645";
  const std::string live = t.files[0] + ".tmp." + std::to_string(::getpid());
  for (const std::string& f : {dead, shard_dead, live}) std::ofstream(f) << "half written";
  std::ostringstream hit;
  const CacheTable h = open_cache_table(cfg, list, pipeline, hit, quiet);
  EXPECT_FALSE(h.built);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(shard_dead));
  EXPECT_TRUE(fs::exists(live));
}

TEST(CacheTable, ShardSpecsAndMemoryBudget) {
  EXPECT_EQ(parse_shard("3/8").index, 3);
  EXPECT_EQ(parse_shard("3/8").count, 8);
  for (const char* bad : {"8/8", "-1/4", "1", "1/0", "a/b", "1/2x"})
    EXPECT_THAT(test::error_of([&] { parse_shard(bad); }), HasSubstr("--shard")) << bad;
  EXPECT_EQ(memory_budget_bytes(1.5), int64_t(3) << 29);
  EXPECT_GT(memory_budget_bytes(0), int64_t(64) << 20);
  EXPECT_EQ(data::clip_offsets(10, 4, 3, 0), (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(data::clip_offsets(10, 4, 3, 2), (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(data::clip_offsets(3, 4, 3, 0).empty());
}

TEST(DiskSource, PlannedAndUnplannedBatchesAreTheTableRows) {
  test::TempDir tmp("disk_source");
  config::ExperimentConfig cfg = tiny_config(tmp);
  const TrackList list = tracks_of(cfg);
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  std::ostringstream log;
  CacheBuildOptions quiet = quiet_build();
  const CacheTable t = open_cache_table(cfg, list, pipeline, log, quiet);
  features::NormalisationStats stats{"global", {-3.0f}, {2.0f}};
  Tensor table = load_table(t, Device::cpu());
  features::apply_normalisation_(table, stats);
  const std::vector<float> want = values(table);
  const size_t e = want.size() / size_t(t.rows);
  auto expect_rows = [&](const Tensor& got, const std::vector<int>& idx) {
    const std::vector<float> g = values(got);
    ASSERT_EQ(g.size(), idx.size() * e);
    for (size_t i = 0; i < idx.size(); ++i)
      ASSERT_TRUE(std::equal(g.begin() + long(i * e), g.begin() + long((i + 1) * e),
                             want.begin() + long(size_t(idx[i]) * e)));
  };
  DiskSourceOptions o;
  o.read_ahead = 1;
  const std::unique_ptr<FeatureSource> src = disk_source(t, stats, Device::cpu(), o);
  EXPECT_EQ(src->clip_shape(), t.clip_shape);
  std::vector<int> order(size_t(t.rows));
  std::iota(order.begin(), order.end(), 0);
  std::reverse(order.begin(), order.end());
  src->plan(order);
  for (size_t s = 0; s + 7 <= order.size(); s += 7) {
    const std::vector<int> idx(order.begin() + long(s), order.begin() + long(s + 7));
    expect_rows(src->batch(idx), idx);
    if (s == 21) expect_rows(src->batch({3, 1, 4}), {3, 1, 4});  // off the plan
  }
  src->plan(order);  // a new epoch: planned again from the start
  const std::vector<int> first(order.begin(), order.begin() + 10);
  expect_rows(src->batch(first), first);
  src->plan({});  // re-planned before the reader finished: nothing stale comes back
  expect_rows(src->batch({2, 2}), {2, 2});
}

// On a GPU: the cache built by the device pipeline holds the CPU build's features (within the
// log-mel CUDA tolerance), a table kept in memory lands on the device, and the disk source hands
// out device batches standardised on the device, equal to the CPU source's rows of the same file.
TEST(CacheTableCuda, BuiltOnTheDeviceAndReadBackToTheDevice) {
  MGR_REQUIRE_CUDA();
  test::TempDir tmp("cache_cuda");
  config::ExperimentConfig cfg = tiny_config(tmp);
  const TrackList list = tracks_of(cfg);
  std::ostringstream log;
  CacheBuildOptions quiet = quiet_build();
  features::FeaturePipeline cpu(cfg.features, cfg.data.sample_rate, Device::cpu());
  const CacheTable on_cpu = open_cache_table(cfg, list, cpu, log, quiet);
  cfg.features.cache_dir = tmp.file("cache_cuda");
  features::FeaturePipeline gpu(cfg.features, cfg.data.sample_rate, Device::cuda(0));
  const CacheTable on_gpu = open_cache_table(cfg, list, gpu, log, quiet);
  ASSERT_EQ(on_gpu.rows, on_cpu.rows);
  const Tensor table = load_table(on_gpu, Device::cuda(0));
  ASSERT_TRUE(table.is_cuda());
  EXPECT_TRUE(test::all_close(table.cpu(), load_table(on_cpu, Device::cpu()), 1e-3f, 2e-2f));
  const features::NormalisationStats stats{"global", {-30.0f}, {12.0f}};
  const std::unique_ptr<FeatureSource> dev = disk_source(on_gpu, stats, Device::cuda(0));
  const std::unique_ptr<FeatureSource> host = disk_source(on_gpu, stats, Device::cpu());
  std::vector<int> order(size_t(on_gpu.rows));
  std::iota(order.begin(), order.end(), 0);
  dev->plan(order);
  for (size_t s = 0; s + 8 <= order.size(); s += 8) {
    const std::vector<int> idx(order.begin() + long(s), order.begin() + long(s + 8));
    const Tensor d = dev->batch(idx);
    ASSERT_TRUE(d.is_cuda());
    EXPECT_TRUE(test::all_close(d.cpu(), host->batch(idx), 1e-6f, 1e-5f));
  }
  EXPECT_LE(memory_budget_bytes(0, Device::cuda(0)), memory_budget_bytes(0));
}

// The acceptance test of the storage switch: one experiment with the table in memory and read
// from disk (each with its own cache, so each computes its statistics itself) gives the same
// history and test metrics, for both normalisations.
class StorageEquivalence : public ::testing::TestWithParam<const char*> {};

TEST_P(StorageEquivalence, DiskAndMemoryGiveIdenticalMetrics) {
  test::TempDir tmp(std::string("storage_") + GetParam());
  config::ExperimentConfig cfg = tiny_config(tmp);
  cfg.features.normalize = GetParam();
  cfg.train.batch_size = 8;
  cfg.train.epochs = 3;
  cfg.train.lr = 3e-3;
  for (auto& l : cfg.model.layers) {
    if (l.name == "conv1") l.set("channels", "4", "test");
    if (l.name == "conv2") l.set("channels", "4", "test");
    if (l.name == "gru") l.set("units", "8", "test");
    if (l.name == "dense") l.set("units", "8", "test");
  }
  std::map<std::string, nlohmann::json> metrics;
  for (const char* storage : {"memory", "disk"}) {
    config::ExperimentConfig c = cfg;
    c.features.storage = storage;
    c.features.cache_dir = tmp.file(std::string("cache_") + storage);
    RunOptions opt;
    opt.quiet = true;
    opt.out_dir = tmp.file(std::string("run_") + storage);
    metrics[storage] = run_experiment(experiment::resolve(c), opt).metrics;
    EXPECT_EQ(metrics[storage]["data"]["feature_storage"], storage);
  }
  EXPECT_EQ(metrics["memory"]["data"]["standardisation"],
            metrics["disk"]["data"]["standardisation"]);
  EXPECT_EQ(metrics["memory"]["history"], metrics["disk"]["history"]);
  EXPECT_EQ(metrics["memory"]["test"], metrics["disk"]["test"]);
  EXPECT_GT(metrics["disk"]["data"]["feature_table_bytes"].get<int64_t>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Normalisations, StorageEquivalence,
                         ::testing::Values("global", "per_band"));

TEST(CacheTable, StorageAutoFollowsTheBudget) {
  test::TempDir tmp("storage_auto");
  config::ExperimentConfig cfg = tiny_config(tmp);
  cfg.train.epochs = 1;
  cfg.features.memory_budget_gb = 1e-6;  // ~1 KiB: the table does not fit
  RunOptions opt;
  opt.quiet = true;
  opt.out_dir = tmp.file("run");
  const nlohmann::json m = run_experiment(experiment::resolve(cfg), opt).metrics;
  EXPECT_EQ(m["data"]["feature_storage"], "disk");
  EXPECT_EQ(m["data"]["feature_cache"], "miss");
  cfg.features.memory_budget_gb = 0;  // half the machine: fits
  opt.out_dir = tmp.file("run2");
  const nlohmann::json m2 = run_experiment(experiment::resolve(cfg), opt).metrics;
  EXPECT_EQ(m2["data"]["feature_storage"], "memory");
  EXPECT_EQ(m2["data"]["feature_cache"], "hit");
  // storage disk needs the cache.
  cfg.features.storage = "disk";
  cfg.features.cache = "off";
  EXPECT_THAT(test::error_of([&] { experiment::resolve(cfg); }), HasSubstr("features.storage"));
}

}  // namespace
}  // namespace mgr::train
