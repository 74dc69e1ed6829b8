// The feature pipeline (framework/features/pipeline.h): shapes of every registered type, the
// log-mel stages equal the extractor they wrap, describe() holds exactly the parameters that
// change the numbers, the mel projection of a spectrogram, concat, normalisation, and the
// device pipeline (compute_features) against direct extraction.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "framework/config/field_table.h"
#include "framework/features/log_mel.h"
#include "framework/features/mel_project.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/store/feature_source.h"
#include "framework/store/feature_table.h"
#include "kernels/cpu/audio_convert.h"
#include "tests/test_util.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/audio_convert.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr {
namespace {

using features::FeaturePipeline;

config::FeatureConfig small_features(const std::string& type) {
  config::FeatureConfig f;
  f.type = type;
  f.n_fft = 512;
  f.hop_length = 128;
  f.n_mels = 40;
  f.n_mfcc = 13;
  f.beat_chroma_beats = 4;
  f.beat_histogram_bins = 50;
  return f;
}

// A tone plus noise, so every feature has structure.
Tensor test_audio(int64_t batch, int64_t n, int sr, uint32_t seed) {
  Tensor a = test::random_tensor({batch, n}, seed, -0.1f, 0.1f);
  float* p = a.f32();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i)
      p[b * n + i] += 0.5f * float(std::sin(2 * std::numbers::pi * (220.0 * (b + 1)) * i / sr));
  return a;
}

TEST(FeaturePipeline, EveryRegisteredTypeHasItsDeclaredShape) {
  const int sr = 8000;
  const Tensor audio = test_audio(3, 8000, sr, 1);
  const std::vector<std::string> types = features::registered_feature_types();
  ASSERT_FALSE(types.empty());
  for (const std::string& type : types) {
    SCOPED_TRACE(type);
    config::FeatureConfig f = small_features(type);
    if (type == "stft_compressed") f.n_fft = 2048;
    FeaturePipeline p(f, sr, Device::cpu());
    const Tensor out = p(audio);
    Shape want = p.output_shape(8000);
    want.insert(want.begin(), 3);
    EXPECT_EQ(out.shape(), want);
    EXPECT_EQ(out.ndim(), p.clip_level() ? 2 : 4);
    for (float v : out.to_vector()) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(FeaturePipeline, LogMelAndMelAreTheExtractorsOutput) {
  const int sr = 8000;
  const Tensor audio = test_audio(2, 8000, sr, 2);
  const config::FeatureConfig f = small_features("log_mel");
  features::LogMelExtractor ex(features::log_mel_params_from(f, sr), Device::cpu());
  FeaturePipeline log_mel(f, sr, Device::cpu());
  const Tensor a = log_mel(audio), b = ex(audio);
  EXPECT_EQ(a.shape(), (Shape{2, 1, 40, 63}));
  EXPECT_EQ(a.to_vector(), b.to_vector());
  FeaturePipeline mel(small_features("mel"), sr, Device::cpu());
  EXPECT_EQ(mel(audio).to_vector(), ex.mel_spectrogram(audio).to_vector());
  EXPECT_FALSE(log_mel.clip_level());
  EXPECT_EQ(log_mel.batches_computed(), 1);
}

TEST(FeaturePipeline, UnknownTypeNamesTheBuiltInOnes) {
  config::FeatureConfig f;
  f.type = "no_such_feature";
  try {
    FeaturePipeline p(f, 22050, Device::cpu());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("log_mel"), std::string::npos) << e.what();
  }
}

// A valid value other than the default for every features.* field (the pipeline's view).
config::FeatureConfig changed(const config::FeatureConfig& base, const std::string& key) {
  config::FeatureConfig f = base;
  if (key == "n_fft")
    f.n_fft = 256;
  else if (key == "hop_length")
    f.hop_length = 100;
  else if (key == "win_length")
    f.win_length = 400;
  else if (key == "window")
    f.window = "hamming";
  else if (key == "center")
    f.center = false;
  else if (key == "pad_mode")
    f.pad_mode = "reflect";
  else if (key == "n_mels")
    f.n_mels = 32;
  else if (key == "fmin")
    f.fmin = 50;
  else if (key == "fmax")
    f.fmax = 3000;
  else if (key == "mel_scale")
    f.mel_scale = "htk";
  else if (key == "mel_norm")
    f.mel_norm = "none";
  else if (key == "power")
    f.power = 1;
  else if (key == "amin")
    f.amin = 1e-3;  // large enough to change the dB of quiet bins
  else if (key == "top_db")
    f.top_db = 20;
  else if (key == "ref")
    f.ref = "one";
  else if (key == "stft_output")
    f.stft_output = "magnitude";
  else if (key == "n_mfcc")
    f.n_mfcc = 10;
  else if (key == "lifter")
    f.lifter = 22;
  else if (key == "deltas")
    f.deltas = 2;
  else if (key == "delta_width")
    f.delta_width = 5;
  else if (key == "n_chroma")
    f.n_chroma = 24;
  else if (key == "tuning")
    f.tuning = "auto";
  else if (key == "mfcc_ref")
    f.mfcc_ref = "one";
  else if (key == "beat_chroma_beats")
    f.beat_chroma_beats = 3;
  else if (key == "beat_tracker")
    f.beat_tracker = "grid";
  else if (key == "roll_percent")
    f.roll_percent = 0.5;
  else if (key == "tempogram_win")
    f.tempogram_win = 100;
  else if (key == "beat_histogram_bins")
    f.beat_histogram_bins = 40;
  else if (key == "low_energy_frames")
    f.low_energy_frames = 3;
  else if (key == "pitch_fmin")
    f.pitch_fmin = 60;
  else if (key == "pitch_fmax")
    f.pitch_fmax = 800;
  else if (key == "pitch_compression")
    f.pitch_compression = 1;
  else if (key == "pitch_enhance")
    f.pitch_enhance = false;
  else if (key == "pitch_histogram_output")
    f.pitch_histogram_output = "full";
  else if (key == "vectors")
    f.vectors = {"rhythm", "spectral"};
  else if (key == "normalize")
    f.normalize = "per_band";
  else if (key == "upload")
    f.upload = "int16";
  else if (key == "batch_clips")
    f.batch_clips = 7;
  else if (key == "mode")
    f.mode = "on_the_fly";
  else if (key == "cache")
    f.cache = "off";
  else if (key == "cache_dir")
    f.cache_dir = "elsewhere";
  else if (key == "cache_compression")
    f.cache_compression = 4;
  else if (key == "storage")
    f.storage = "disk";
  else if (key == "memory_budget_gb")
    f.memory_budget_gb = 3;
  else if (key == "crop_frames")
    f.crop_frames = 2;
  else if (key != "type")
    ADD_FAILURE() << "no alternative value for features." << key;
  return f;
}

// describe() lists a parameter  <=>  the parameter can change the numbers. Checked both ways:
// every listed parameter changes describe(); every unlisted one leaves the output unchanged.
TEST(FeaturePipeline, DescribeHoldsExactlyTheParametersThatChangeTheNumbers) {
  const int sr = 8000;
  const Tensor audio = test_audio(2, 8000, sr, 3);
  for (const std::string& type : features::registered_feature_types()) {
    SCOPED_TRACE(type);
    const config::FeatureConfig base = small_features(type);
    if (type == "stft_compressed") continue;  // n_fft is pinned; covered by its own stage file
    FeaturePipeline p0(base, sr, Device::cpu());
    const Tensor ref = p0(audio);
    const std::vector<std::string> listed = features::resolved_feature_stage(base).parameters;
    for (const config::Field& field : config::experiment_fields()) {
      if (field.section() != "features" || field.name() == "type") continue;
      const std::string key = field.name();
      SCOPED_TRACE(key);
      const config::FeatureConfig f = changed(base, key);
      FeaturePipeline p(f, sr, Device::cpu());
      const bool in_list = std::find(listed.begin(), listed.end(), key) != listed.end();
      // upload and (for time-frequency types) crop_frames apply to every stage: the pipeline
      // lists them itself.
      const bool pipeline_level =
          key == "upload" ||
          (key == "crop_frames" && !features::resolved_feature_stage(base).clip_level);
      if (in_list || pipeline_level) {
        EXPECT_NE(p.describe(), p0.describe());
      } else {
        EXPECT_EQ(p.describe(), p0.describe());
        EXPECT_EQ(p(audio).to_vector(), ref.to_vector()) << "unlisted parameter changed output";
      }
    }
  }
}

// Power spectrogram [1, bins, T] by a direct DFT in double (centre, zero padding, periodic Hann).
Tensor direct_power_spectrogram(const std::vector<float>& x, int n_fft, int hop) {
  const int64_t n = int64_t(x.size());
  const int frames = int(1 + n / hop), bins = n_fft / 2 + 1;
  std::vector<float> out(size_t(bins) * frames);
  for (int t = 0; t < frames; ++t) {
    for (int k = 0; k < bins; ++k) {
      double re = 0, im = 0;
      for (int j = 0; j < n_fft; ++j) {
        const int64_t i = int64_t(t) * hop + j - n_fft / 2;
        if (i < 0 || i >= n) continue;
        const double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * j / n_fft);
        const double ang = -2 * std::numbers::pi * double(k) * j / n_fft;
        re += w * x[size_t(i)] * std::cos(ang);
        im += w * x[size_t(i)] * std::sin(ang);
      }
      out[size_t(k) * frames + t] = float(re * re + im * im);
    }
  }
  return Tensor::from_vector(out, {1, bins, frames});
}

TEST(MelProjection, MatchesTheFusedExtractor) {
  const int sr = 8000;
  config::FeatureConfig f = small_features("mel");
  f.n_fft = 128;
  f.hop_length = 64;
  f.n_mels = 20;
  const Tensor audio = test_audio(1, 2000, sr, 4);
  const features::LogMelParams p = features::log_mel_params_from(f, sr);
  const Tensor fb = Tensor::from_vector(features::mel_filterbank(p), {p.n_mels, p.bins()});
  const Tensor mel = features::mel_from_spectrogram(
      direct_power_spectrogram(audio.to_vector(), p.n_fft, p.hop_length), fb);
  features::LogMelExtractor ex(p, Device::cpu());
  EXPECT_TRUE(test::all_close(mel, ex.mel_spectrogram(audio), 1e-3f, 1e-6f));
}

TEST(MelProjectionCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Tensor spec = test::random_tensor({3, 257, 40}, 5, 0.f, 2.f);
  const Tensor fb = test::random_tensor({64, 257}, 6, 0.f, 0.1f);
  const Tensor cpu = features::mel_from_spectrogram(spec, fb);
  const Tensor gpu =
      features::mel_from_spectrogram(spec.to(Device::cuda(0)), fb.to(Device::cuda(0)));
  EXPECT_TRUE(test::all_close(gpu.cpu(), cpu, 1e-4f, 1e-5f));
}

TEST(FeatureConcat, AlongEveryDimension) {
  const Tensor a = test::random_tensor({2, 3, 4}, 7), b = test::random_tensor({2, 1, 4}, 8);
  const Tensor c = features::concat({a, b}, 1);
  ASSERT_EQ(c.shape(), (Shape{2, 4, 4}));
  const std::vector<float> av = a.to_vector(), bv = b.to_vector(), cv = c.to_vector();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(cv[(i * 4 + j) * 4 + k], j < 3 ? av[(i * 3 + j) * 4 + k] : bv[i * 4 + k]);
  const Tensor r = features::concat({a, a}, 0);
  EXPECT_EQ(r.shape(), (Shape{4, 3, 4}));
  const Tensor l = features::concat({a, test::random_tensor({2, 3, 1}, 9)}, -1);
  EXPECT_EQ(l.shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(l.to_vector()[5], av[4]);
  EXPECT_THROW(features::concat({a, test::random_tensor({3, 3, 4}, 1)}, 1), Error);
}

TEST(Normalisation, GlobalUsesTheTrainingClipsOnly) {
  Tensor t = test::random_tensor({4, 1, 3, 5}, 10, 0.f, 10.f);
  const std::vector<int> train = {0, 2};
  const std::vector<float> v = t.to_vector();
  double s = 0, q = 0;
  for (int c : train)
    for (int i = 0; i < 15; ++i) s += v[c * 15 + i], q += double(v[c * 15 + i]) * v[c * 15 + i];
  const double mean = s / 30, sd = std::sqrt(q / 30 - mean * mean);
  const features::NormalisationStats st = features::normalisation_statistics(t, train, "global");
  ASSERT_EQ(st.mean.size(), 1u);
  EXPECT_NEAR(st.mean[0], mean, 1e-4);
  EXPECT_NEAR(st.stddev[0], sd, 1e-4);
  features::apply_normalisation_(t, st);
  EXPECT_NEAR(t.to_vector()[16], (v[16] - mean) / sd, 1e-4);
  Tensor u = test::random_tensor({2, 3}, 11);
  const std::vector<float> before = u.to_vector();
  features::apply_normalisation_(u, features::normalisation_statistics(u, {0}, "none"));
  EXPECT_EQ(u.to_vector(), before);
}

TEST(Normalisation, PerBandIsPerRowOrNamesTheMissingModule) {
  Tensor t = test::random_tensor({3, 2, 4, 5}, 12, -3.f, 7.f);  // bands: C*D = 8
  features::NormalisationStats st;
  try {
    st = features::normalisation_statistics(t, {0, 1}, "per_band");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("register_normalise.cpp"), std::string::npos) << e.what();
    return;  // the descriptors module is not built in
  }
  ASSERT_EQ(st.mean.size(), 8u);
  const std::vector<float> v = t.to_vector();
  double s = 0;
  for (int c : {0, 1})
    for (int i = 0; i < 5; ++i) s += v[(c * 8 + 5) * 5 + i];
  EXPECT_NEAR(st.mean[5], s / 10, 1e-4);
  features::apply_normalisation_(t, st);
}

// A dataset of `tracks` synthetic tracks held in memory (no files).
data::Dataset memory_dataset(int tracks, int64_t track_samples, int64_t clip_samples, int sr) {
  data::Dataset ds;
  ds.sample_rate = sr;
  ds.genres = {"a", "b"};
  for (int t = 0; t < tracks; ++t) {
    ds.tracks.push_back({"/nowhere/" + std::to_string(t) + ".wav", t % 2, ds.genres[t % 2], t});
    ds.audio.push_back(test_audio(1, track_samples, sr, 100 + t).to_vector());
    for (int64_t o = 0; o + clip_samples <= track_samples; o += clip_samples)
      ds.clips.push_back({t, t % 2, o});
  }
  ds.clip_samples = clip_samples;
  return ds;
}

TEST(DevicePipeline, CpuPathEqualsDirectExtraction) {
  const int sr = 8000;
  const data::Dataset ds = memory_dataset(3, 9000, 2000, sr);  // 4 clips per track
  const std::vector<int> clips = {11, 0, 5, 3, 7, 2, 9};
  config::FeatureConfig f = small_features("log_mel");
  FeaturePipeline p(f, sr, Device::cpu());
  train::ComputeOptions opt;
  opt.batch_clips = 3;  // 3 + 3 + 1
  int64_t last_done = 0;
  opt.progress = [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 7);
    last_done = done;
  };
  const Tensor table = train::compute_features(ds, clips, p, opt);
  EXPECT_EQ(last_done, 7);
  EXPECT_EQ(p.batches_computed(), 3);
  Tensor audio = Tensor::empty({7, 2000});
  data::gather_clips(ds, clips, audio.f32());
  features::LogMelExtractor ex(features::log_mel_params_from(f, sr), Device::cpu());
  EXPECT_EQ(table.to_vector(), ex(audio).to_vector());

  // int16 upload: the features of the audio quantised to 16 bits.
  f.upload = "int16";
  FeaturePipeline q(f, sr, Device::cpu());
  const Tensor table16 = train::compute_features(ds, clips, q, opt);
  std::vector<int16_t> pcm(size_t(audio.numel()));
  kernels::cpu::float_to_int16(pcm.data(), audio.f32(), audio.numel());
  kernels::cpu::int16_to_float(audio.f32(), pcm.data(), audio.numel());
  EXPECT_EQ(table16.to_vector(), ex(audio).to_vector());
  EXPECT_NE(table16.to_vector(), table.to_vector());
}

// features.mode on_the_fly: statistics streamed in chunks equal those of the whole table (global:
// exactly; per_band: exactly for one chunk, within float rounding for several), and a batch equals
// the standardised table's rows.
TEST(FeatureSource, StreamedStatisticsAndOnTheFlyBatchesMatchTheTable) {
  const int sr = 8000;
  const data::Dataset ds = memory_dataset(5, 9000, 2000, sr);  // 20 clips
  const std::vector<int> train = {13, 2, 7, 19, 0, 5, 11, 16, 8};
  for (const char* type : {"log_mel", "mfcc", "spectral"}) {
    FeaturePipeline p(small_features(type), sr, Device::cpu());
    std::vector<int> all(ds.clips.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = int(i);
    const Tensor table = train::compute_features(ds, all, p);
    for (const char* mode : {"global", "per_band", "none"}) {
      SCOPED_TRACE(std::string(type) + " " + mode);
      const features::NormalisationStats ref =
          features::normalisation_statistics(table, train, mode);
      for (int chunk : {100, 4, 1}) {
        const features::NormalisationStats s =
            train::streamed_normalisation_statistics(ds, train, p, mode, chunk);
        EXPECT_EQ(s.mode, ref.mode);
        ASSERT_EQ(s.mean.size(), ref.mean.size());
        ASSERT_EQ(s.stddev.size(), ref.stddev.size());
        if (std::string(mode) == "global" || chunk == 100) {
          EXPECT_EQ(s.mean, ref.mean) << chunk;
          EXPECT_EQ(s.stddev, ref.stddev) << chunk;
        } else {
          for (size_t d = 0; d < s.mean.size(); ++d) {
            EXPECT_NEAR(s.mean[d], ref.mean[d], 1e-5 * (1 + std::abs(ref.mean[d]))) << chunk;
            EXPECT_NEAR(s.stddev[d], ref.stddev[d], 1e-5 * (1 + ref.stddev[d])) << chunk;
          }
        }
      }
      Tensor normed = table.clone();
      features::apply_normalisation_(normed, ref);
      auto source = train::on_the_fly_source(ds, p, ref);
      auto pre = train::precomputed_source(normed);
      EXPECT_EQ(source->clip_shape(), pre->clip_shape());
      const std::vector<int> idx = {19, 3, 3, 8};
      EXPECT_EQ(source->batch(idx).to_vector(), pre->batch(idx).to_vector());
    }
  }
}

TEST(AudioConvert, Int16RoundTripIsExactOn16BitValuesAndClamps) {
  const std::vector<float> x = {0.f, 1.f / 32768, -1.f, 32767.f / 32768, 1.5f, -2.f, 0.25f};
  std::vector<int16_t> q(x.size());
  kernels::cpu::float_to_int16(q.data(), x.data(), int64_t(x.size()));
  EXPECT_EQ(q, (std::vector<int16_t>{0, 1, -32768, 32767, 32767, -32768, 8192}));
  std::vector<float> back(x.size());
  kernels::cpu::int16_to_float(back.data(), q.data(), int64_t(q.size()));
  EXPECT_EQ(back[1], x[1]);
  EXPECT_EQ(back[3], x[3]);
  EXPECT_EQ(back[6], x[6]);
}

#if MGR_WITH_CUDA
// The kernel converts sample pairs; odd counts leave a tail sample for one thread.
TEST(AudioConvertCuda, Int16ToFloatMatchesCpuForOddCounts) {
  MGR_REQUIRE_CUDA();
  for (int64_t n : {int64_t(1), int64_t(7), int64_t(4097)}) {
    std::vector<int16_t> q(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) q[size_t(i)] = int16_t((i * 7919) % 65536 - 32768);
    std::vector<float> ref(static_cast<size_t>(n));
    kernels::cpu::int16_to_float(ref.data(), q.data(), n);
    Tensor raw = Tensor::empty({(n + 1) / 2}, DType::I32, Device::cuda(0));  // 4-byte aligned
    MGR_CUDA_CHECK(cudaMemcpyAsync(raw.raw(), q.data(), sizeof(int16_t) * size_t(n),
                                   cudaMemcpyHostToDevice, cuda::stream(0)));
    Tensor out = Tensor::full({n}, -7.f, Device::cuda(0));  // poisoned: every element written
    kernels::cuda::int16_to_float(out.f32(), static_cast<const int16_t*>(raw.raw()), n,
                                  cuda::stream(0));
    EXPECT_EQ(out.cpu().to_vector(), ref) << n;
  }
}
#endif

// The overlapped CUDA path (copy stream + events, float32 and int16 upload) against the CPU path.
TEST(DevicePipelineCuda, OverlappedUploadMatchesCpu) {
  MGR_REQUIRE_CUDA();
  const int sr = 8000;
  for (int64_t clip_samples : {int64_t(2000), int64_t(2001)}) {  // odd: int16 batches of odd size
    const data::Dataset ds = memory_dataset(5, 9000, clip_samples, sr);
    std::vector<int> clips;
    for (int i = 19; i >= 0; --i) clips.push_back(i);
    for (const char* upload : {"float32", "int16"}) {
      SCOPED_TRACE(std::string(upload) + " " + std::to_string(clip_samples));
      config::FeatureConfig f = small_features("log_mel");
      f.upload = upload;
      train::ComputeOptions opt;
      opt.batch_clips = 3;  // 7 batches: both slots reused, and a short last batch
      FeaturePipeline cpu(f, sr, Device::cpu()), gpu(f, sr, Device::cuda(0));
      const Tensor a = train::compute_features(ds, clips, cpu, opt);
      const Tensor b = train::compute_features(ds, clips, gpu, opt);
      ASSERT_TRUE(b.is_cuda());
      EXPECT_TRUE(test::all_close(b.cpu(), a, 1e-3f, 2e-2f));  // dB, as the log-mel CUDA tests
    }
  }
}

}  // namespace
}  // namespace mgr
