// A corpus with hostile files among good ones (issue 12): each bad file is skipped with one line
// naming it and the reason, the others load, and .ogg, .opus and .mp3 tracks are found.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "framework/data/dataset.h"
#include "tests/hostile_audio.h"
#include "tests/temp_dir.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

TEST(DatasetInput, HostileFilesAreSkippedOneLineEachAndTheRestLoads) {
  test::TempDir dir("ds_hostile");
  const fs::path blues = dir.path / "blues", jazz = dir.path / "jazz";
  fs::create_directories(blues);
  fs::create_directories(jazz);
  const int sr = 8000;
  const std::vector<float> tone(3 * sr, 0.25f);
  // Good: a WAV in each genre, and the compressed formats (Opus at 48 kHz, its native rate).
  write_wav((blues / "blues.00000.wav").string(), tone, sr);
  write_wav((jazz / "jazz.00000.wav").string(), tone, sr);
  struct Compressed {
    std::string name;
    int format, rate;
  };
  std::vector<Compressed> compressed = {
      {"jazz.00001.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, sr},
      {"jazz.00002.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000},
      {"jazz.00003.MP3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, sr}};
  int good = 2;
  for (const Compressed& c : compressed) {
    SF_INFO probe{};
    probe.samplerate = c.rate;
    probe.channels = 1;
    probe.format = c.format;
    if (!sf_format_check(&probe)) continue;  // test_audio_input reports the missing codec
    std::vector<float> x(static_cast<size_t>(3 * c.rate));
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * static_cast<float>(std::sin(0.05 * i));
    test::write_float((jazz / c.name).string(), x, 1, c.rate, c.format);
    ++good;
  }
  // Bad: a 1 Hz header, 100 channels, a 2^31-frame claim in 4 kB, NaN samples, too long.
  test::write_raw_wav((blues / "blues.00001.wav").string(), 1, 1, 16, 661500 * 2, 661500 * 2);
  test::write_raw_wav((blues / "blues.00002.wav").string(), 100, sr, 16, 100 * 2 * 1000,
                      100 * 2 * 1000);
  test::write_raw_wav((blues / "blues.00003.wav").string(), 1, sr, 8, 0x80000000u, 4000);
  std::vector<float> nan_track(3 * sr, 0.1f);
  nan_track[5] = std::numeric_limits<float>::quiet_NaN();
  test::write_float((jazz / "jazz.00004.wav").string(), nan_track, 1, sr);
  write_wav((jazz / "jazz.00005.wav").string(), std::vector<float>(5 * sr, 0.1f), sr);

  GtzanOptions o;
  o.root = dir.path.string();
  o.genres = {"blues", "jazz"};
  o.sample_rate = sr;
  o.threads = 2;
  o.max_track_seconds = 4;
  std::ostringstream log;
  LoadReport rep;
  const Dataset ds = load_gtzan(o, log, &rep);
  const std::string text = log.str();
  EXPECT_EQ(rep.found, good + 5) << text;
  EXPECT_EQ(rep.loaded, good) << text;
  EXPECT_EQ(rep.skipped, 5) << text;
  ASSERT_EQ(ds.tracks.size(), static_cast<size_t>(good));
  for (const auto& a : ds.audio) EXPECT_NEAR(static_cast<double>(a.size()), 3 * sr, 1);

  const std::pair<std::string, std::string> expected[] = {
      {"blues.00001.wav", "header claims a sample rate of 1 Hz"},
      {"blues.00002.wav", "header claims 100 channels"},
      {"blues.00003.wav", "truncated"},
      {"jazz.00004.wav", "1 of 24000 samples are NaN or infinite"},
      {"jazz.00005.wav", "5 s long (40000 frames at 8000 Hz); tracks over 4 s are rejected"}};
  ASSERT_EQ(rep.problems.size(), 5u);
  for (const auto& [file, reason] : expected) {
    const auto lines = lines_with(text, file);
    ASSERT_EQ(lines.size(), 1u) << file << "\n" << text;
    EXPECT_EQ(lines[0].rfind("skipped ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(reason), std::string::npos) << lines[0];
  }
  EXPECT_EQ(lines_with(text, "loaded " + std::to_string(good) + " of " + std::to_string(good + 5) +
                                 " tracks")
                .size(),
            1u)
      << text;
}

}  // namespace
}  // namespace mgr::data
