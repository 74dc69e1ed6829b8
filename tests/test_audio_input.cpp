// Hostile audio (issue 12): headers with absurd sample rates, channel counts or lengths (written
// byte by byte), NaN and infinite samples, tracks over the length limit, memory bounded by the
// audio decoded, and the compressed formats libsndfile decodes (Ogg Vorbis, Opus, MP3).
#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "kernels/error.h"
#include "tests/hostile_audio.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::data {
namespace {

using test::error_of;

using test::TempDir;
using test::write_float;
using test::write_raw_wav;
constexpr double kPi = 3.14159265358979323846;

std::vector<float> sine(double hz, int sr, int n, float amp = 0.5f) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = amp * static_cast<float>(std::sin(2 * kPi * hz * i / sr));
  return x;
}

TEST(AudioInput, OneHertzHeaderIsRejectedBeforeResampling) {
  // 30 s of 22.05 kHz samples, but the header says 1 Hz: 661500 s, which resampled to 22.05 kHz
  // would be 58 GB of floats.
  TempDir dir("ain_1hz");
  const std::string path = dir.file("one_hz.wav");
  write_raw_wav(path, 1, 1, 16, 661500 * 2, 661500 * 2);
  const std::string m = error_of([&] { load_audio(path, 22050); });
  EXPECT_NE(m.find(path + ": header claims a sample rate of 1 Hz; accepted: 1000 to 768000 Hz"),
            std::string::npos)
      << m;
  write_raw_wav(path, 1, 2000000, 16, 2000, 2000);
  EXPECT_NE(error_of([&] { load_audio(path, 22050); }).find("sample rate of 2000000 Hz"),
            std::string::npos);
}

TEST(AudioInput, HundredChannelsAreRejected) {
  TempDir dir("ain_ch");
  const std::string path = dir.file("many.wav");
  write_raw_wav(path, 100, 22050, 16, 100 * 2 * 1000, 100 * 2 * 1000);
  const std::string m = error_of([&] { load_audio(path, 22050); });
  EXPECT_NE(m.find(path + ": header claims 100 channels; accepted: 1 to 64"), std::string::npos)
      << m;
}

TEST(AudioInput, HugeClaimedLengthInATinyFileIsRejected) {
  // 2^31 one-byte frames claimed, 4000 present: libsndfile's log shows the shortfall, and
  // nothing is sized from the claim.
  TempDir dir("ain_huge");
  const std::string path = dir.file("huge.wav");
  write_raw_wav(path, 1, 22050, 8, 0x80000000u, 4000);
  const std::string m = error_of([&] { load_audio(path, 22050); });
  EXPECT_EQ(m.rfind(path + ": truncated", 0), 0u) << m;
}

TEST(AudioInput, TrackOverTheLengthLimitIsRejected) {
  TempDir dir("ain_long");
  const std::string path = dir.file("long.wav");
  write_float(path, sine(440, 8000, 3 * 8000), 1, 8000);
  AudioLimits lim;
  lim.max_seconds = 2;
  const std::string m = error_of([&] { load_audio(path, 8000, lim); });
  EXPECT_NE(m.find(path + ": 3 s long (24000 frames at 8000 Hz); tracks over 2 s are rejected "
                          "(data.max_track_seconds)"),
            std::string::npos)
      << m;
  lim.max_seconds = 3;
  EXPECT_EQ(load_audio(path, 8000, lim).size(), 24000u);
}

TEST(AudioInput, NonFiniteSamplesAreCountedAndRejected) {
  TempDir dir("ain_nan");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = sine(440, 8000, 8000);
  x[10] = nan;
  x[20] = inf;
  x[30] = -inf;
  x[7999] = nan;
  write_float(dir.file("nan.wav"), x, 1, 8000);
  const std::string m = error_of([&] { load_audio(dir.file("nan.wav"), 8000); });
  EXPECT_NE(m.find(dir.file("nan.wav") + ": 4 of 8000 samples are NaN or infinite"),
            std::string::npos)
      << m;
  // In one channel of a stereo file, and at a rate that needs resampling.
  std::vector<float> st(2 * 4000, 0.1f);
  st[2 * 100 + 1] = inf;
  write_float(dir.file("st.wav"), st, 2, 16000);
  EXPECT_NE(error_of([&] {
              load_audio(dir.file("st.wav"), 8000);
            }).find("1 of 8000 samples are NaN or infinite"),
            std::string::npos);
  // Finite but so large that mixing to mono overflows.
  std::vector<float> big(2 * 100, 3e38f);
  write_float(dir.file("big.wav"), big, 2, 8000);
  EXPECT_NE(error_of([&] {
              load_audio(dir.file("big.wav"), 8000);
            }).find("sample values too large: mixing to mono or resampling overflowed"),
            std::string::npos);
}

// A FLAC whose STREAMINFO claims `total` frames while holding far fewer: a compressed header
// libsndfile believes (it cannot compare with the file size the way it does for WAV).
void patch_flac_total(const std::string& path, uint64_t total) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  // "fLaC", the block header (4), min/max block (4), min/max frame (6): byte 18 starts the
  // 20-bit rate, 3-bit channels, 5-bit depth and 36-bit total; the total is the low 36 bits.
  f.seekg(21);
  const int b21 = f.get();
  f.seekp(21);
  f.put(static_cast<char>((b21 & 0xF0) | static_cast<int>((total >> 32) & 0x0F)));
  for (int i = 3; i >= 0; --i) f.put(static_cast<char>((total >> (8 * i)) & 0xFF));
}

TEST(AudioInput, CompressedHeaderLyingAboutLengthCostsNoMemory) {
  TempDir dir("ain_flac");
  const std::string path = dir.file("liar.flac");
  write_wav(path, sine(440, 16000, 8000), 16000);
  // Over the limit by its header alone: rejected before reading.
  patch_flac_total(path, uint64_t{1} << 35);
  EXPECT_NE(error_of([&] { load_audio(path, 16000); }).find("tracks over 1200 s are rejected"),
            std::string::npos);
  // Within a generous limit (a day: 1.38e9 frames, 5.5 GB as floats): the decoder runs dry at
  // 8000 frames, and memory follows those. Run under an address-space limit 1 GiB above what
  // the process holds now, so sizing a buffer from the header would fail with bad_alloc.
  patch_flac_total(path, uint64_t{86000} * 16000);
  // "threadsafe": the child re-runs this test in a fresh process instead of forking one that
  // holds other threads; it removes its own scratch folder (exit skips destructors).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        rlimit lim{};
        std::ifstream statm("/proc/self/statm");
        uint64_t pages = 0;
        statm >> pages;
        lim.rlim_cur = lim.rlim_max = pages * 4096 + (uint64_t{1} << 30);
        setrlimit(RLIMIT_AS, &lim);
        AudioLimits al;
        al.max_seconds = 86400;
        int code = 3;
        try {
          load_audio(path, 16000, al);
        } catch (const Error& e) {
          const std::string m = e.what();
          code = m.find("truncated or corrupt: header promises 1376000000 frames, decoded 8000") !=
                         std::string::npos
                     ? 0
                     : 4;
        } catch (const std::bad_alloc&) {
          code = 5;
        }
        std::filesystem::remove_all(dir.path);
        std::exit(code);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(AudioInput, HostileHeadersNeverAllocateGigabytes) {
  // The 1 Hz, 100-channel and 2^31-frame files under an address-space limit 512 MiB above what
  // the process holds: each is rejected with its reason, none with bad_alloc.
  TempDir dir("ain_rlimit");
  write_raw_wav(dir.file("a.wav"), 1, 1, 16, 661500 * 2, 661500 * 2);
  write_raw_wav(dir.file("b.wav"), 100, 22050, 16, 100 * 2 * 1000, 100 * 2 * 1000);
  write_raw_wav(dir.file("c.wav"), 1, 22050, 8, 0x80000000u, 4000);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        rlimit lim{};
        std::ifstream statm("/proc/self/statm");
        uint64_t pages = 0;
        statm >> pages;
        lim.rlim_cur = lim.rlim_max = pages * 4096 + (uint64_t{1} << 29);
        setrlimit(RLIMIT_AS, &lim);
        int code = 0;
        for (const char* name : {"a.wav", "b.wav", "c.wav"}) {
          try {
            load_audio(dir.file(name), 22050);
            code = 3;
          } catch (const Error&) {
          } catch (const std::bad_alloc&) {
            code = 5;
          }
        }
        std::filesystem::remove_all(dir.path);
        std::exit(code);
      },
      ::testing::ExitedWithCode(0), "");
}

struct Codec {
  const char* name;
  int format;
  int sr;
};

// Ogg Vorbis, Ogg Opus (48 kHz: Opus codes only 8/12/16/24/48 kHz) and MP3, each written by
// libsndfile's own encoder and decoded by load_audio. A libsndfile built without one skips it
// with the reason rather than pretending.
TEST(AudioInput, CompressedFormatsDecode) {
  TempDir dir("ain_codecs");
  const Codec codecs[] = {{"t.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050},
                          {"t.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000},
                          {"t.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 22050}};
  std::string missing;
  for (const Codec& c : codecs) {
    SF_INFO probe{};
    probe.samplerate = c.sr;
    probe.channels = 1;
    probe.format = c.format;
    if (!sf_format_check(&probe)) {
      missing += std::string(missing.empty() ? "" : ", ") + c.name;
      continue;
    }
    const int n = 2 * c.sr;  // two seconds of 1 kHz
    write_float(dir.file(c.name), sine(1000, c.sr, n), 1, c.sr, c.format);
    const std::vector<float> y = load_audio(dir.file(c.name), 22050);
    // Lossy: the length matches (to the resampler's rounding) and the tone survives.
    EXPECT_NEAR(static_cast<double>(y.size()), 2 * 22050, 1) << c.name;
    double re = 0, im = 0, energy = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      re += y[i] * std::cos(2 * kPi * 1000 * static_cast<double>(i) / 22050);
      im += y[i] * std::sin(2 * kPi * 1000 * static_cast<double>(i) / 22050);
      energy += static_cast<double>(y[i]) * y[i];
    }
    const double amplitude = 2 * std::sqrt(re * re + im * im) / static_cast<double>(y.size());
    EXPECT_NEAR(amplitude, 0.5, 0.05) << c.name;
    EXPECT_GT(amplitude * amplitude / 2, 0.9 * energy / static_cast<double>(y.size())) << c.name;
  }
  if (!missing.empty()) {
    GTEST_SKIP() << "this libsndfile (" << sf_version_string() << ") has no codec for " << missing
                 << " (see README, Data)";
  }
}

}  // namespace
}  // namespace mgr::data
