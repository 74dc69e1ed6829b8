// Log-mel CUDA kernels against the CPU twin, stage by stage and for the whole pipeline, across
// shapes (B = 1 and 3, odd lengths, n_fft 1024 / 2048, both pad modes, both windows, no
// centring, clips shorter than n_fft). Every case skips at run time without a GPU.
#include <algorithm>
#include <string>

#include "framework/features/fft_pass.h"
#include "framework/features/log_mel.h"
#include "framework/features/sparse_mel.h"
#include "kernels/cpu/mel.h"
#include "kernels/cpu/stft.h"
#include "tests/test_util.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/mel.h"
#include "kernels/cuda/stft.h"
#endif

namespace mgr {
namespace {

using features::LogMelExtractor;
using features::LogMelParams;

struct Case {
  std::string name;
  int64_t batch;
  int64_t samples;
  LogMelParams p;
};

std::vector<Case> cases() {
  std::vector<Case> cs;
  LogMelParams p;  // librosa defaults
  cs.push_back({"default_b1", 1, 22050, p});
  LogMelParams q;
  q.n_fft = 1024;
  q.hop_length = 256;
  q.window = "hamming";
  q.pad_mode = "reflect";
  cs.push_back({"1024_hamming_reflect_b3_odd", 3, 20001, q});
  LogMelParams r;
  r.window = "hamming";
  r.win_length = 1536;
  r.fmin = 30;
  r.fmax = 8000;
  cs.push_back({"2048_hamming_win1536_b3", 3, 33075, r});
  LogMelParams s;
  s.n_fft = 1024;
  s.hop_length = 256;
  s.n_mels = 64;
  s.mel_scale = "htk";
  s.mel_norm = "none";
  s.pad_mode = "reflect";
  cs.push_back({"1024_htk_none_reflect_b1_odd", 1, 4097, s});
  LogMelParams t;
  t.center = false;
  t.power = 1;
  t.ref = "one";
  t.n_mels = 96;
  cs.push_back({"nocenter_power1_ref_one_b2", 2, 30001, t});
  LogMelParams u;
  cs.push_back({"shorter_than_nfft_b3", 3, 777, u});
  LogMelParams v;
  v.top_db = 0;  // clamp off
  v.power = 1.5;
  cs.push_back({"power1.5_no_top_db_b2", 2, 12345, v});
  LogMelParams w;  // 2049 bins: 5 frames per mel block (a partial last group), not 8
  w.n_fft = 4096;
  w.hop_length = 1024;
  cs.push_back({"4096_group5_b2", 2, 30001, w});
  LogMelParams x;  // 8193 bins: one frame per mel block
  x.n_fft = 16384;
  x.hop_length = 4096;
  x.n_mels = 256;
  cs.push_back({"16384_group1_b1", 1, 70001, x});
  LogMelParams y;  // odd n_fft through the extractor
  y.n_fft = 777;
  y.hop_length = 200;
  y.n_mels = 40;
  cs.push_back({"odd_nfft_b2", 2, 9001, y});
  LogMelParams z;  // reflect padding longer than the clip
  z.pad_mode = "reflect";
  cs.push_back({"reflect_shorter_than_nfft_b2", 2, 700, z});
  return cs;
}

// Loudness varies per clip (and within each clip), so the per-clip reference matters.
Tensor audio_for(const Case& c, uint32_t seed) {
  std::vector<float> a = test::random_tensor({c.batch, c.samples}, seed).to_vector();
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t i = 0; i < c.samples; ++i)
      a[size_t(b * c.samples + i)] *= (b + 1) * 0.3f * (1.f + float(i % 5000) / 5000.f);
  return Tensor::from_vector(a, {c.batch, c.samples});
}

float max_of(const Tensor& t) {
  std::vector<float> v = t.to_vector();
  return v.empty() ? 0.f : *std::max_element(v.begin(), v.end());
}

TEST(FeaturesCuda, PipelineMatchesCpu) {
  MGR_REQUIRE_CUDA();
  uint32_t seed = 100;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Tensor x = audio_for(c, seed++);
    LogMelExtractor cpu(c.p, Device::cpu());
    LogMelExtractor gpu(c.p, Device::cuda(0));
    Tensor xd = x.to(Device::cuda(0));
    Tensor mel_c = cpu.mel_spectrogram(x);
    Tensor mel_g = gpu.mel_spectrogram(xd);
    EXPECT_TRUE(mel_g.is_cuda());
    EXPECT_TRUE(test::all_close(mel_g.cpu(), mel_c, 1e-4f, 1e-6f * max_of(mel_c)));
    Tensor db_c = cpu(x);
    Tensor db_g = gpu(xd);
    EXPECT_TRUE(db_g.is_cuda());
    EXPECT_TRUE(test::all_close(db_g.cpu(), db_c, 0.f, 1e-3f));  // dB, absolute
    EXPECT_TRUE(test::all_close(features::log_mel(xd, c.p).cpu(), db_c, 0.f, 1e-3f));
  }
}

// More frames than one cuFFT pass holds (8192 at n_fft 2048): three clips of 4001 frames run
// as a pass of two clips and a pass of one, with two cached plans, twice.
TEST(FeaturesCuda, MultiPassBatchMatchesCpu) {
  MGR_REQUIRE_CUDA();
  Case c{"multipass", 3, 4000 * 512 + 7, LogMelParams{}};
  Tensor x = audio_for(c, 7);
  LogMelExtractor cpu(c.p, Device::cpu());
  LogMelExtractor gpu(c.p, Device::cuda(0));
  Tensor ref = cpu(x);
  Tensor xd = x.to(Device::cuda(0));
  for (int rep = 0; rep < 2; ++rep)
    EXPECT_TRUE(test::all_close(gpu(xd).cpu(), ref, 0.f, 1e-3f)) << "repeat " << rep;
}

// The pass-size knob (fft_pass.h) changes how many clips share a cuFFT pass, not the result.
TEST(FeaturesCuda, PassSizeDoesNotChangeTheResult) {
  MGR_REQUIRE_CUDA();
  Case c{"passes", 5, 30001, LogMelParams{}};
  Tensor x = audio_for(c, 11);
  LogMelExtractor cpu(c.p, Device::cpu());
  const Tensor ref = cpu(x);
  Tensor xd = x.to(Device::cuda(0));
  for (int64_t pf : {int64_t(1), int64_t(2 * 59), int64_t(0)}) {  // 1 clip, 2 clips, default
    features::set_cuda_pass_frames(pf);
    LogMelExtractor gpu(c.p, Device::cuda(0));
    EXPECT_TRUE(test::all_close(gpu(xd).cpu(), ref, 0.f, 1e-3f)) << "pass frames " << pf;
  }
  features::set_cuda_pass_frames(0);
}

TEST(FeaturesCuda, ExtractorRejectsAudioOnAnotherDevice) {
  MGR_REQUIRE_CUDA();
  LogMelExtractor cpu(LogMelParams{}, Device::cpu());
  LogMelExtractor gpu(LogMelParams{}, Device::cuda(0));
  Tensor x = Tensor::zeros({1, 4096});
  EXPECT_THROW(cpu(x.to(Device::cuda(0))), Error);
  EXPECT_THROW(gpu(x), Error);
}

#if MGR_WITH_CUDA

cudaStream_t stream0() { return cuda::stream(0); }

TEST(FeaturesCuda, FramingMatchesCpuExactly) {
  MGR_REQUIRE_CUDA();
  cuda::DeviceGuard g(0);
  uint32_t seed = 200;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const LogMelParams& p = c.p;
    Tensor x = audio_for(c, seed++);
    const int frames = p.num_frames(c.samples);
    const bool reflect = p.center && p.pad_mode == "reflect";
    const std::vector<float> w = features::analysis_window(p);
    Tensor fc = Tensor::empty({c.batch * frames, p.n_fft});
    kernels::cpu::frame_signal(fc.f32(), x.f32(), c.batch, c.samples, frames, p.n_fft, p.hop_length,
                               w.data(), p.center, reflect);
    Tensor xd = x.to(Device::cuda(0));
    Tensor wd = Tensor::from_vector(w, {p.n_fft}, Device::cuda(0));
    Tensor fg = Tensor::empty({c.batch * frames, p.n_fft}, DType::F32, Device::cuda(0));
    kernels::cuda::frame_signal(fg.f32(), xd.f32(), c.batch, c.samples, frames, p.n_fft,
                                p.hop_length, wd.f32(), p.center, reflect, stream0());
    EXPECT_EQ(fg.cpu().to_vector(), fc.to_vector());  // one multiply per sample on both
  }
}

TEST(FeaturesCuda, FftPowerMatchesCpu) {
  MGR_REQUIRE_CUDA();
  cuda::DeviceGuard g(0);
  for (int n_fft : {1024, 2048, 1000}) {
    for (float power : {2.f, 1.f}) {
      SCOPED_TRACE("n_fft " + std::to_string(n_fft) + " power " + std::to_string(power));
      const int rows = 37;  // not a multiple of the CPU's 16-row batched plan
      const int bins = n_fft / 2 + 1;
      Tensor frames = test::random_tensor({rows, n_fft}, 300 + n_fft);
      float* in = kernels::cpu::RealFft::alloc(int64_t(rows) * n_fft);
      float* spec = kernels::cpu::RealFft::alloc(int64_t(rows) * bins * 2);
      std::copy_n(frames.f32(), rows * n_fft, in);
      kernels::cpu::RealFft fft(n_fft);
      fft.forward(in, spec, rows);
      Tensor pc = Tensor::empty({rows, bins});
      kernels::cpu::power_spectrum(pc.f32(), spec, int64_t(rows) * bins, power);
      kernels::cpu::RealFft::free(in);
      kernels::cpu::RealFft::free(spec);

      Tensor fd = frames.to(Device::cuda(0));
      Tensor sd = Tensor::empty({rows, 2 * bins}, DType::F32, Device::cuda(0));
      Tensor pd = Tensor::empty({rows, bins}, DType::F32, Device::cuda(0));
      kernels::cuda::CufftR2C plan(n_fft, rows);
      plan.forward(fd.f32(), sd.f32(), cuda::workspace(0, plan.workspace_bytes()), stream0());
      kernels::cuda::power_spectrum(pd.f32(), sd.f32(), int64_t(rows) * bins, power, stream0());
      // FFT rounding is relative to the frame's energy, not to each bin: absolute floor.
      EXPECT_TRUE(test::all_close(pd.cpu(), pc, 1e-4f, 1e-5f * max_of(pc)));
    }
  }
}

TEST(FeaturesCuda, MelProjectionMatchesCpu) {
  MGR_REQUIRE_CUDA();
  cuda::DeviceGuard g(0);
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const LogMelParams& p = c.p;
    const int frames = 23;
    const features::SparseMelHost fb =
        features::SparseMelHost::from_dense(features::mel_filterbank(p), p.n_mels, p.bins());
    Tensor power = test::random_tensor({c.batch * frames, p.bins()}, 400, 0.f, 2.f);
    Tensor mc = Tensor::empty({c.batch, p.n_mels, frames});
    for (int64_t b = 0; b < c.batch; ++b)
      kernels::cpu::mel_project(mc.f32() + b * p.n_mels * frames, frames, 0, frames,
                                power.f32() + b * frames * p.bins(), fb.view());
    const Device d = Device::cuda(0);
    Tensor w = Tensor::from_vector(fb.weights, {int64_t(fb.weights.size())}, d);
    Tensor beg = Tensor::from_vector(fb.begin, {p.n_mels}, d);
    Tensor len = Tensor::from_vector(fb.length, {p.n_mels}, d);
    Tensor off = Tensor::from_vector(fb.offset, {p.n_mels}, d);
    const kernels::cuda::SparseMel dfb{p.n_mels,  p.bins(),  beg.i32(),
                                       len.i32(), off.i32(), w.f32()};
    Tensor pd = power.to(d);
    Tensor mg = Tensor::empty({c.batch, p.n_mels, frames}, DType::F32, d);
    kernels::cuda::mel_from_power(mg.f32(), pd.f32(), c.batch, frames, dfb, stream0());
    EXPECT_TRUE(test::all_close(mg.cpu(), mc, 1e-5f, 1e-6f * max_of(mc)));
  }
}

TEST(FeaturesCuda, PowerToDbMatchesCpuPerClip) {
  MGR_REQUIRE_CUDA();
  cuda::DeviceGuard g(0);
  for (const char* ref : {"max", "one"}) {
    for (double top_db : {80.0, 30.0, 0.0}) {
      SCOPED_TRACE(std::string(ref) + " top_db " + std::to_string(top_db));
      LogMelParams p;
      p.ref = ref;
      p.top_db = top_db;
      // Three clips whose peaks differ by orders of magnitude, one of them all zeros.
      std::vector<float> v = test::random_tensor({3, 64, 50}, 500, 0.f, 1.f).to_vector();
      for (size_t i = 0; i < v.size(); ++i) {
        const size_t b = i / (64 * 50);
        v[i] = b == 0 ? v[i] * v[i] * v[i] * 1e3f : (b == 1 ? v[i] * 1e-6f : 0.f);
      }
      Tensor hc = Tensor::from_vector(v, {3, 64, 50});
      Tensor hg = hc.to(Device::cuda(0));
      features::power_to_db_(hc, p);
      features::power_to_db_(hg, p);
      EXPECT_TRUE(test::all_close(hg.cpu(), hc, 0.f, 1e-4f));
    }
  }
}

#endif  // MGR_WITH_CUDA

}  // namespace
}  // namespace mgr
