// The HDF5 feature cache (framework/store/feature_cache.h) and its use by feature_table():
// SHA-256 against NIST vectors; the key changes with every input; a hit reads without
// computing; corrupt, truncated, foreign and half-written files are reported in one line and
// rebuilt, never trusted; normalisation statistics round-trip per split and seed.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/data/sha256.h"
#include "framework/features/pipeline.h"
#include "framework/store/feature_cache.h"
#include "framework/store/feature_table.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;

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

TEST(CacheKey, ChangesWithEveryInput) {
  data::CacheKeyInputs base;
  base.files = {{"blues/blues.00000.wav", 1000}, {"rock/rock.00000.wav", 2000}};
  base.corpus_manifest = "{\"seed\": 1}";
  base.genres = {"blues", "rock"};
  base.sample_rate = 22050;
  base.clip_seconds = 3.0;
  base.clip_hop_seconds = 3.0;
  base.pipeline = "{\"type\":\"log_mel\"}";
  base.code_version = features::kFeatureCodeVersion;
  const std::string k0 = data::cache_key(base);
  EXPECT_EQ(k0.size(), 64u);
  EXPECT_EQ(data::cache_key(base), k0) << "deterministic";
  std::vector<std::function<void(data::CacheKeyInputs&)>> changes = {
      [](auto& c) { c.files[1].first = "rock/rock.00001.wav"; },
      [](auto& c) { c.files[0].second += 1; },
      [](auto& c) { c.files.pop_back(); },
      [](auto& c) { std::swap(c.files[0], c.files[1]); },
      [](auto& c) { c.corpus_manifest = "{\"seed\": 2}"; },
      [](auto& c) {
        c.genres = {"rock", "blues"};
      },
      [](auto& c) { c.sample_rate = 16000; },
      [](auto& c) { c.clip_seconds = 3.0000001; },
      [](auto& c) { c.clip_hop_seconds = 1.5; },
      [](auto& c) { c.pipeline = "{\"type\":\"mel\"}"; },
      [](auto& c) { c.code_version += 1; },
      // Field boundaries are part of the hash: moving a character between fields changes it.
      [](auto& c) {
        c.files[0].first = "blues/blues.00000.wav1";
        c.files[0].second = 0;
      },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    data::CacheKeyInputs c = base;
    changes[i](c);
    EXPECT_NE(data::cache_key(c), k0) << "change " << i;
  }
}

// A temp folder with a small dataset whose tracks exist as files (the key reads their sizes).
struct Fixture {
  test::TempDir tmp;
  fs::path dir;
  data::Dataset ds;
  config::ExperimentConfig cfg;

  explicit Fixture(const std::string& name) : tmp(name), dir(tmp.path) {
    fs::create_directories(dir / "audio");
    const int sr = 8000;
    ds.sample_rate = sr;
    ds.genres = {"x", "y"};
    for (int t = 0; t < 4; ++t) {
      const std::string path = (dir / "audio" / (std::to_string(t) + ".wav")).string();
      std::ofstream(path) << std::string(100 + t, 'w');
      ds.tracks.push_back({path, t % 2, ds.genres[t % 2], t});
      ds.audio.push_back(test::random_tensor({5000}, 40 + t).to_vector());
      for (int64_t o = 0; o + 2000 <= 5000; o += 2000) ds.clips.push_back({t, t % 2, o});
    }
    ds.clip_samples = 2000;
    cfg.device = "cpu";
    cfg.data.sample_rate = sr;
    cfg.data.source = "gtzan";
    cfg.data.clip_seconds = 0.25;
    cfg.data.clip_hop_seconds = 0.25;
    cfg.features.n_fft = 256;
    cfg.features.hop_length = 128;
    cfg.features.n_mels = 20;
    cfg.features.cache_dir = (dir / "cache").string();
  }

  // feature_table() with a fresh pipeline; returns the table and what was logged.
  train::FeatureTable run(std::string* log_text = nullptr, int64_t* batches = nullptr) {
    features::FeaturePipeline p(cfg.features, cfg.data.sample_rate, Device::cpu());
    std::ostringstream log;
    train::FeatureTableOptions opt;
    opt.quiet = true;
    train::FeatureTable t = train::feature_table(cfg, ds, p, log, opt);
    if (log_text) *log_text = log.str();
    if (batches) *batches = p.batches_computed();
    return t;
  }
};

int count_lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

TEST(FeatureCache, SecondRunReadsWithoutComputing) {
  Fixture fx("cache_hit");
  std::string log;
  int64_t batches = 0;
  const train::FeatureTable a = fx.run(&log, &batches);
  EXPECT_FALSE(a.cache_hit);
  EXPECT_GT(batches, 0);
  EXPECT_NE(log.find("cache miss, wrote " + a.cache_path), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(a.cache_path));
  const train::FeatureTable b = fx.run(&log, &batches);
  EXPECT_TRUE(b.cache_hit);
  EXPECT_EQ(batches, 0) << "a hit must not compute";
  EXPECT_EQ(count_lines(log), 1) << log;
  EXPECT_NE(log.find("cache hit"), std::string::npos) << log;
  EXPECT_EQ(b.features.shape(), a.features.shape());
  EXPECT_EQ(b.features.to_vector(), a.features.to_vector());
  // Off: computes, and says so.
  fx.cfg.features.cache = "off";
  const train::FeatureTable c = fx.run(&log, &batches);
  EXPECT_GT(batches, 0);
  EXPECT_TRUE(c.cache_path.empty());
  EXPECT_EQ(log, "features: cache off\n");
}

TEST(FeatureCache, AnyKeyChangeRecomputes) {
  Fixture fx("cache_miss");
  const std::string first = fx.run().cache_path;
  std::vector<std::function<void(Fixture&)>> changes = {
      [](Fixture& f) { std::ofstream(f.ds.tracks[2].path, std::ios::app) << "more"; },
      [](Fixture& f) {
        fs::rename(f.ds.tracks[3].path, f.dir / "audio" / "renamed.wav");
        f.ds.tracks[3].path = (f.dir / "audio" / "renamed.wav").string();
      },
      [](Fixture& f) { f.cfg.data.clip_hop_seconds = 0.3; },
      [](Fixture& f) { f.cfg.data.clip_seconds = 0.26; },
      [](Fixture& f) {
        f.cfg.data.sample_rate = 8001;
        f.ds.sample_rate = 8001;
      },
      [](Fixture& f) { f.cfg.features.n_mels = 21; },
      [](Fixture& f) { f.cfg.features.fmin = 10; },
      [](Fixture& f) { f.cfg.features.upload = "int16"; },
      [](Fixture& f) { f.cfg.features.type = "mel"; },
  };
  std::set<std::string> paths = {first};
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i](fx);
    int64_t batches = 0;
    const train::FeatureTable t = fx.run(nullptr, &batches);
    EXPECT_FALSE(t.cache_hit) << "change " << i;
    EXPECT_GT(batches, 0) << "change " << i;
    EXPECT_TRUE(paths.insert(t.cache_path).second) << "change " << i << " kept the file name";
  }
}

// Cache contents with recognisable feature values.
data::CachedFeatures known_contents(int n) {
  data::CachedFeatures c;
  c.features = Tensor::full({n, 2, 3}, 1234.5f);
  for (int i = 0; i < n; ++i) {
    c.labels.push_back(i % 3);
    c.track_ids.push_back(i / 2);
    c.clip_offsets.push_back(int64_t(i) * 1000000007LL);
  }
  c.genres = {"blues", "hip hop", ""};
  return c;
}

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_file(const std::string& p, const std::string& s) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

TEST(FeatureCache, StoresEverythingAndReadsItBack) {
  Fixture fx("cache_roundtrip");
  const std::string path = (fx.dir / "c.h5").string();
  const data::FeatureCache cache(path, "k1", {{"type", "log_mel"}, {"n_fft", "2048"}});
  const data::CachedFeatures c = known_contents(5);
  cache.store(c, 1);
  std::ostringstream log;
  const auto back = cache.load({2, 3}, log);
  ASSERT_TRUE(back.has_value()) << log.str();
  EXPECT_EQ(log.str(), "");
  EXPECT_EQ(back->features.to_vector(), c.features.to_vector());
  EXPECT_EQ(back->labels, c.labels);
  EXPECT_EQ(back->track_ids, c.track_ids);
  EXPECT_EQ(back->clip_offsets, c.clip_offsets);
  EXPECT_EQ(back->genres, c.genres);
  // Attributes a person can read with h5dump.
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  for (const char* a :
       {"key", "parameters", "param.n_fft", "created", "mgr_git_commit", "features_sha256"})
    EXPECT_GT(H5Aexists(f, a), 0) << a;
  H5Fclose(f);
  for (const auto& e : fs::directory_iterator(fx.dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// Each damage is reported in exactly one line naming the file, the file is removed, and the
// load is a miss.
void expect_rebuilt(const data::FeatureCache& cache, const Shape& clip_shape,
                    const std::string& reason) {
  std::ostringstream log;
  EXPECT_FALSE(cache.load(clip_shape, log).has_value());
  EXPECT_EQ(count_lines(log.str()), 1) << log.str();
  EXPECT_EQ(log.str().rfind("cache " + cache.path() + ": ", 0), 0u) << log.str();
  EXPECT_NE(log.str().find(reason), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("; rebuilding"), std::string::npos) << log.str();
  EXPECT_FALSE(fs::exists(cache.path()));
}

TEST(FeatureCache, DamagedFilesAreReportedInOneLineAndNeverTrusted) {
  Fixture fx("cache_damage");
  const std::string path = (fx.dir / "c.h5").string();
  const data::FeatureCache cache(path, "k1", {{"type", "log_mel"}});
  const data::CachedFeatures c = known_contents(40);

  cache.store(c, 0);  // truncated
  std::string bytes = read_file(path);
  write_file(path, bytes.substr(0, bytes.size() / 2));
  expect_rebuilt(cache, {2, 3}, "HDF5");

  cache.store(c, 0);  // a flipped byte inside the feature values: the checksum catches it
  bytes = read_file(path);
  const float v = 1234.5f;
  const std::string pattern(reinterpret_cast<const char*>(&v), sizeof v);
  const size_t at = bytes.find(pattern + pattern);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 100] ^= 0x40;
  write_file(path, bytes);
  expect_rebuilt(cache, {2, 3}, "checksum mismatch");

  cache.store(c, 0);  // written for other inputs
  expect_rebuilt(data::FeatureCache(path, "k2", {}), {2, 3}, "key mismatch");

  cache.store(c, 0);  // another feature shape
  expect_rebuilt(cache, {3, 2}, "shape");

  cache.store(c, 0);  // a dataset missing
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Ldelete(f, "track_ids", H5P_DEFAULT);
  H5Fclose(f);
  expect_rebuilt(cache, {2, 3}, "track_ids");

  write_file(path, "not an HDF5 file at all");
  expect_rebuilt(cache, {2, 3}, "HDF5");
}

TEST(FeatureCache, CorruptCacheIsRebuiltByFeatureTable) {
  Fixture fx("cache_rebuild");
  const train::FeatureTable a = fx.run();
  std::string bytes = read_file(a.cache_path);
  write_file(a.cache_path, bytes.substr(0, bytes.size() - 1000));
  std::string log;
  int64_t batches = 0;
  const train::FeatureTable b = fx.run(&log, &batches);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_GT(batches, 0);
  EXPECT_EQ(count_lines(log), 2) << log;  // the damage, then "cache miss, wrote"
  EXPECT_NE(log.find("; rebuilding\n"), std::string::npos) << log;
  EXPECT_EQ(b.features.to_vector(), a.features.to_vector());
  EXPECT_TRUE(fx.run(&log).cache_hit) << log;
}

TEST(FeatureCache, InterruptedWriteIsNeverTrustedAndLeftoversAreCleaned) {
  Fixture fx("cache_crash");
  const std::string path = (fx.dir / "c.h5").string();
  const data::FeatureCache cache(path, "k1", {});
  // A dead writer's leftover (the pid cannot exist: above any pid_max).
  const std::string stale = path + ".tmp.2147480000";
  data::FeatureCache::set_write_hook([&](const std::string& stage, const std::string& tmp) {
    if (stage != "features") return;
    fs::copy_file(tmp, stale, fs::copy_options::overwrite_existing);  // what a crash leaves
    throw std::runtime_error("simulated crash");
  });
  EXPECT_THROW(cache.store(known_contents(8), 0), std::runtime_error);
  data::FeatureCache::set_write_hook(nullptr);
  EXPECT_FALSE(fs::exists(path)) << "a half-written cache must never appear under its name";
  EXPECT_TRUE(fs::exists(stale));
  std::ostringstream log;
  EXPECT_FALSE(cache.load({2, 3}, log).has_value());
  EXPECT_EQ(log.str(), "") << "no cache is a plain miss";
  EXPECT_FALSE(fs::exists(stale)) << "the dead writer's temporary file is cleaned up";
  // Our own temporary file went with the exception; a complete write then works.
  for (const auto& e : fs::directory_iterator(fx.dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  cache.store(known_contents(8), 0);
  EXPECT_TRUE(cache.load({2, 3}, log).has_value());
  // A crash just before the rename leaves no file under the final name either.
  fs::remove(path);
  data::FeatureCache::set_write_hook([](const std::string& stage, const std::string&) {
    if (stage == "before_rename") throw std::runtime_error("simulated crash");
  });
  EXPECT_THROW(cache.store(known_contents(8), 0), std::runtime_error);
  data::FeatureCache::set_write_hook(nullptr);
  EXPECT_FALSE(fs::exists(path));
}

TEST(FeatureCache, NormalisationStatisticsPerSplitSeed) {
  Fixture fx("cache_norm");
  const std::string path = (fx.dir / "c.h5").string();
  const data::FeatureCache cache(path, "k1", {});
  cache.store(known_contents(4), 0);
  const features::NormalisationStats global{"global", {1.5f}, {2.5f}};
  const features::NormalisationStats bands{"per_band", {1, 2, 3}, {4, 5, 6}};
  EXPECT_FALSE(cache.load_normalisation("track_stratified-1", "global").has_value());
  cache.store_normalisation("track_stratified-1", "global", global);
  cache.store_normalisation("track_stratified-2", "per_band", bands);
  auto a = cache.load_normalisation("track_stratified-1", "global");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->mode, "global");
  EXPECT_EQ(a->mean, global.mean);
  EXPECT_EQ(a->stddev, global.stddev);
  auto b = cache.load_normalisation("track_stratified-2", "per_band");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->mean, bands.mean);
  EXPECT_EQ(b->stddev, bands.stddev);
  EXPECT_FALSE(cache.load_normalisation("track_stratified-1", "per_band").has_value());
  EXPECT_FALSE(cache.load_normalisation("random_clips-1", "global").has_value());
  // Replaced, not duplicated; and the features are still valid afterwards.
  cache.store_normalisation("track_stratified-1", "global", {"global", {7.f}, {8.f}});
  EXPECT_EQ(cache.load_normalisation("track_stratified-1", "global")->mean,
            std::vector<float>{7.f});
  std::ostringstream log;
  EXPECT_TRUE(cache.load({2, 3}, log).has_value()) << log.str();
}

}  // namespace
}  // namespace mgr
