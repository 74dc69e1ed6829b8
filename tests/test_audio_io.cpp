// load_audio / write_wav: round trips in wav, au and flac, resampling, stereo mixdown, and the
// errors for unreadable and truncated files.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;

using test::TempDir;

std::vector<float> sine(double hz, int sr, int64_t n, float amp = 0.5f) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = amp * static_cast<float>(std::sin(2 * kPi * hz * i / sr));
  return x;
}

// Power of x at frequency hz (Goertzel / single DFT bin).
double bin_power(const std::vector<float>& x, double hz, int sr) {
  double re = 0, im = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    re += x[i] * std::cos(2 * kPi * hz * static_cast<double>(i) / sr);
    im -= x[i] * std::sin(2 * kPi * hz * static_cast<double>(i) / sr);
  }
  return (re * re + im * im) / static_cast<double>(x.size() * x.size());
}

TEST(AudioIo, WavRoundTripWithin16BitQuantisation) {
  TempDir dir("audio_rt");
  const auto x = sine(440, 22050, 22050, 0.9f);
  write_wav(dir.file("a.wav"), x, 22050);
  const auto y = load_audio(dir.file("a.wav"), 22050);
  ASSERT_EQ(y.size(), x.size());
  float worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  EXPECT_LE(worst, 1.5f / 32767.f);
  EXPECT_GT(worst, 0.f);  // it really went through 16 bits
}

TEST(AudioIo, WriteClipsOutOfRangeSamples) {
  TempDir dir("audio_clip");
  write_wav(dir.file("c.wav"), {1.5f, -2.f, 1.f, 0.25f}, 8000);
  const auto y = load_audio(dir.file("c.wav"), 8000);
  ASSERT_EQ(y.size(), 4u);
  EXPECT_NEAR(y[0], 1.f, 1e-4);
  EXPECT_NEAR(y[1], -1.f, 1e-4);
  EXPECT_NEAR(y[2], 1.f, 1e-4);
  EXPECT_NEAR(y[3], 0.25f, 1e-4);
}

TEST(AudioIo, AuAndFlacRoundTrip) {
  TempDir dir("audio_fmt");
  const auto x = sine(330, 16000, 8000, 0.7f);
  for (const char* name : {"a.au", "a.flac", "a.aiff"}) {
    write_wav(dir.file(name), x, 16000);
    SF_INFO info{};
    SNDFILE* f = sf_open(dir.file(name).c_str(), SFM_READ, &info);
    ASSERT_NE(f, nullptr) << name;
    sf_close(f);
    const int major = info.format & SF_FORMAT_TYPEMASK;
    const std::string n(name);
    EXPECT_EQ(major, n.ends_with(".au")     ? SF_FORMAT_AU
                     : n.ends_with(".flac") ? SF_FORMAT_FLAC
                                            : SF_FORMAT_AIFF);
    const auto y = load_audio(dir.file(name), 16000);
    ASSERT_EQ(y.size(), x.size()) << name;
    float worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
    EXPECT_LE(worst, 1.5f / 32767.f) << name;
  }
}

TEST(AudioIo, ResamplingKeepsFrequencyAndScalesLength) {
  TempDir dir("audio_rs");
  const int n = 44100;  // one second at 44.1 kHz
  write_wav(dir.file("s.wav"), sine(1000, 44100, n), 44100);
  const auto y = load_audio(dir.file("s.wav"), 22050);
  ASSERT_EQ(y.size(), 22050u);
  // 1 kHz dominates its neighbours by far.
  const double p1k = bin_power(y, 1000, 22050);
  EXPECT_GT(p1k, 1000 * bin_power(y, 900, 22050));
  EXPECT_GT(p1k, 1000 * bin_power(y, 1100, 22050));
  EXPECT_NEAR(std::sqrt(p1k) * 2, 0.5, 0.02);  // amplitude preserved
  // Zero crossings: 2 per period, 1000 periods (ignore the filter's edges).
  int crossings = 0;
  for (size_t i = 1; i < y.size(); ++i) crossings += (y[i - 1] < 0) != (y[i] < 0);
  EXPECT_NEAR(crossings, 2000, 4);
  // Upsampling scales the length the other way.
  const auto up = load_audio(dir.file("s.wav"), 48000);
  EXPECT_EQ(up.size(), 48000u);
  EXPECT_GT(bin_power(up, 1000, 48000), 1000 * bin_power(up, 1200, 48000));
}

TEST(AudioIo, StereoIsAveragedToMono) {
  TempDir dir("audio_st");
  const int sr = 22050, n = 4410;
  SF_INFO info{};
  info.samplerate = sr;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(dir.file("st.wav").c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  std::vector<float> inter(2 * n);
  for (int i = 0; i < n; ++i) {
    inter[2 * static_cast<size_t>(i)] = 0.6f * static_cast<float>(std::sin(2 * kPi * 500 * i / sr));
    inter[2 * static_cast<size_t>(i) + 1] = 0.2f;
  }
  ASSERT_EQ(sf_writef_float(f, inter.data(), n), n);
  sf_close(f);
  const auto y = load_audio(dir.file("st.wav"), sr);
  ASSERT_EQ(y.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    ASSERT_NEAR(y[static_cast<size_t>(i)], 0.5f * (inter[2 * static_cast<size_t>(i)] + 0.2f), 1e-6);
  }
}

TEST(AudioIo, UnreadableFileNamesFileAndReason) {
  TempDir dir("audio_bad");
  { std::ofstream(dir.file("junk.wav")) << "this is not audio at all, just text\n"; }
  try {
    load_audio(dir.file("junk.wav"), 22050);
    FAIL() << "expected mgr::Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("junk.wav"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot decode"), std::string::npos) << m;
  }
  EXPECT_THROW(load_audio(dir.file("missing.wav"), 22050), Error);
}

TEST(AudioIo, TruncatedFilesAreDetected) {
  TempDir dir("audio_trunc");
  const auto x = sine(220, 22050, 22050);
  for (const char* name : {"t.wav", "t.au", "t.flac", "t.aiff"}) {
    write_wav(dir.file(name), x, 22050);
    const std::string cut = dir.file(std::string("cut_") + name);
    test::truncate_file(dir.file(name), cut, 0.6);
    try {
      load_audio(cut, 22050);
      FAIL() << name << ": truncated file decoded without error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("truncated"), std::string::npos) << m;
      EXPECT_NE(m.find("cut_"), std::string::npos) << m;
    }
    // The intact file still loads.
    EXPECT_EQ(load_audio(dir.file(name), 22050).size(), x.size());
  }
}

}  // namespace
}  // namespace mgr::data
