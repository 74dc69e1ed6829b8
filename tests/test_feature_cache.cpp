// The feature cache's guarantees (framework/store/cache_table.h): SHA-256 against NIST vectors;
// the key changes with every input that changes the table and with nothing else; a write that
// dies half-way never leaves a file under the cache's name, and a dead writer's temporary is
// removed by the next writer; normalisation statistics are kept per split and seed beside the
// cache. (Shards, damaged files, the clip list and the disk source: tests/test_cache_table.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "framework/data/audio_io.h"
#include "framework/data/sha256.h"
#include "framework/engine/run_setup.h"
#include "framework/features/pipeline.h"
#include "framework/store/cache_table.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(Sha256, NistVectors) {
  EXPECT_EQ(data::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(data::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(data::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces (exercises the block buffering).
  data::Sha256 h;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t take = std::min(left, chunk.size());
    h.update(chunk.data(), take);
    left -= take;
  }
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Two genres, two tracks each, as files whose sizes the key reads (the key needs no audio).
struct Fixture {
  test::TempDir tmp;
  config::ExperimentConfig cfg;
  train::TrackList list;

  explicit Fixture(const std::string& name) : tmp(name) {
    fs::create_directories(tmp.path / "audio");
    cfg.device = "cpu";
    cfg.data.sample_rate = 8000;
    cfg.data.source = "gtzan";
    cfg.data.clip_seconds = 0.25;
    cfg.data.clip_hop_seconds = 0.25;
    cfg.features.n_fft = 256;
    cfg.features.hop_length = 128;
    cfg.features.n_mels = 20;
    cfg.features.cache_dir = tmp.file("cache");
    list.genres = {"x", "y"};
    list.source = tmp.file("audio");
    for (int t = 0; t < 4; ++t) {
      const std::string path = tmp.file("audio/" + std::to_string(t) + ".wav");
      data::write_wav(path, test::random_tensor({5000}, 40 + t).to_vector(), 8000);
      data::Track tr(path, t % 2, list.genres[size_t(t % 2)], t);
      tr.id = std::to_string(t);
      list.candidates.push_back(tr);
    }
  }
  std::string key() const {
    features::FeaturePipeline p(cfg.features, cfg.data.sample_rate, Device::cpu());
    return train::track_list_cache_key(cfg, list, p);
  }
};

TEST(CacheKey, ChangesWithEveryInputThatChangesTheTable) {
  Fixture fx("cache_key");
  const std::string k0 = fx.key();
  EXPECT_EQ(k0.size(), 64u);
  EXPECT_EQ(fx.key(), k0) << "deterministic";
  std::vector<std::function<void(Fixture&)>> changes = {
      [](Fixture& f) { f.list.candidates.pop_back(); },
      [](Fixture& f) { std::swap(f.list.candidates[0], f.list.candidates[1]); },
      [](Fixture& f) { std::ofstream(f.list.candidates[2].path, std::ios::app) << "x"; },
      [](Fixture& f) { f.list.candidates[1].id = "other"; },
      [](Fixture& f) { f.list.candidates[1].label = 0; },
      [](Fixture& f) { f.list.candidates[1].genre = "z"; },
      [](Fixture& f) {
        f.list.genres = {"y", "x"};
      },
      [](Fixture& f) { f.list.corpus_manifest = "{\"seed\": 2}"; },
      [](Fixture& f) { f.cfg.data.sample_rate = 16000; },
      [](Fixture& f) { f.cfg.data.clip_seconds = 0.2500001; },
      [](Fixture& f) { f.cfg.data.clip_hop_seconds = 0.125; },
      [](Fixture& f) { f.cfg.data.max_clips_per_track = 3; },
      [](Fixture& f) { f.cfg.data.max_track_seconds = 600; },
      [](Fixture& f) { f.cfg.features.n_mels = 24; },
      [](Fixture& f) { f.cfg.features.type = "mfcc"; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    Fixture f("cache_key_" + std::to_string(i));
    changes[i](f);
    EXPECT_NE(f.key(), k0) << "change " << i;
  }
  // What does not change the numbers does not change the key: where the corpus lies, the
  // storage, the budget, the batch of the device pipeline, the cache folder.
  std::vector<std::function<void(Fixture&)>> same = {
      [](Fixture& f) { f.list.source = "elsewhere"; },
      [](Fixture& f) { f.cfg.features.storage = "disk"; },
      [](Fixture& f) { f.cfg.features.memory_budget_gb = 3; },
      [](Fixture& f) { f.cfg.features.batch_clips = 7; },
      [](Fixture& f) { f.cfg.features.cache_dir = "other"; },
  };
  for (size_t i = 0; i < same.size(); ++i) {
    Fixture f("cache_key_same_" + std::to_string(i));
    same[i](f);
    EXPECT_EQ(f.key(), k0) << "unchanged " << i;
  }
}

TEST(FeatureCache, InterruptedWriteIsNeverTrustedAndLeftoversAreCleaned) {
  Fixture fx("cache_crash");
  features::FeaturePipeline p(fx.cfg.features, fx.cfg.data.sample_rate, Device::cpu());
  const std::string path = train::cache_shard_path(fx.cfg, fx.key(), {});
  // A dead writer's leftover (the pid cannot exist: above any pid_max).
  const std::string stale = path + ".tmp.2147480000";
  train::set_cache_write_hook([&](const std::string& stage, const std::string& tmp) {
    if (stage != "features") return;
    fs::copy_file(tmp, stale, fs::copy_options::overwrite_existing);  // what a crash leaves
    throw std::runtime_error("simulated crash");
  });
  std::ostringstream log;
  train::CacheBuildOptions quiet;
  quiet.quiet = true;
  quiet.group_tracks = 2;
  EXPECT_THROW(train::open_cache_table(fx.cfg, fx.list, p, log, quiet), std::runtime_error);
  train::set_cache_write_hook(nullptr);
  EXPECT_FALSE(fs::exists(path)) << "a half-written cache must never appear under its name";
  EXPECT_TRUE(fs::exists(stale));
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path())) {
    if (e.path() == stale) continue;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  // The next writer removes the dead writer's temporary and writes a complete file.
  const train::CacheTable t = train::open_cache_table(fx.cfg, fx.list, p, log, quiet);
  EXPECT_TRUE(t.built);
  EXPECT_FALSE(fs::exists(stale)) << "the dead writer's temporary file is cleaned up";
  EXPECT_TRUE(fs::exists(path));
  // A crash just before the rename leaves no file under the final name either.
  fs::remove(path);
  train::set_cache_write_hook([](const std::string& stage, const std::string&) {
    if (stage == "before_rename") throw std::runtime_error("simulated crash");
  });
  EXPECT_THROW(train::open_cache_table(fx.cfg, fx.list, p, log, quiet), std::runtime_error);
  train::set_cache_write_hook(nullptr);
  EXPECT_FALSE(fs::exists(path));
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(FeatureCache, NormalisationStatisticsPerSplitSeed) {
  Fixture fx("cache_norm");
  features::FeaturePipeline p(fx.cfg.features, fx.cfg.data.sample_rate, Device::cpu());
  std::ostringstream log;
  train::CacheBuildOptions quiet;
  quiet.quiet = true;
  const train::CacheTable t = train::open_cache_table(fx.cfg, fx.list, p, log, quiet);
  const features::NormalisationStats global{"global", {1.5f}, {2.5f}};
  // Floats that do not round-trip through a short decimal text must come back bit for bit.
  const features::NormalisationStats bands{"per_band", {1.1f, 2e-7f, -3.3f}, {4, 5, 6.0000005f}};
  EXPECT_FALSE(train::load_table_statistics(t, "track_stratified-1", "global").has_value());
  train::store_table_statistics(t, "track_stratified-1", "global", global);
  train::store_table_statistics(t, "track_stratified-2", "per_band", bands);
  auto a = train::load_table_statistics(t, "track_stratified-1", "global");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->mode, "global");
  EXPECT_EQ(a->mean, global.mean);
  EXPECT_EQ(a->stddev, global.stddev);
  auto b = train::load_table_statistics(t, "track_stratified-2", "per_band");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->mean, bands.mean);
  EXPECT_EQ(b->stddev, bands.stddev);
  EXPECT_FALSE(train::load_table_statistics(t, "track_stratified-1", "per_band").has_value());
  EXPECT_FALSE(train::load_table_statistics(t, "random_clips-1", "global").has_value());
  // Replaced, not duplicated; the cache itself is untouched (a hit afterwards).
  train::store_table_statistics(t, "track_stratified-1", "global", {"global", {7.f}, {8.f}});
  EXPECT_EQ(train::load_table_statistics(t, "track_stratified-1", "global")->mean,
            std::vector<float>{7.f});
  std::ostringstream log2;
  EXPECT_FALSE(train::open_cache_table(fx.cfg, fx.list, p, log2, quiet).built) << log2.str();
  EXPECT_THAT(log2.str(), HasSubstr("cache hit"));
}

}  // namespace
}  // namespace mgr
