// load_gtzan (scan, parallel decode, skipping bad files, errors), segment_clips, gather_clips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "framework/data/dataset.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;

using test::TempDir;
using ::testing::HasSubstr;

// A track whose samples encode (genre, index) so the test can tell which file landed where.
std::vector<float> tagged(int genre, int index, int n) {
  return std::vector<float>(static_cast<size_t>(n),
                            0.01f * static_cast<float>(genre * 10 + index + 1));
}

size_t count_lines(const std::string& s, const std::string& needle) {
  size_t n = 0;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

// blues, jazz, rock with 3 good tracks each (mixed formats), plus one unreadable and one
// truncated file, and a stray file the scanner must ignore.
struct SmallGtzan {
  TempDir dir{"gtzan"};
  std::vector<std::string> genres = {"blues", "jazz", "rock"};
  SmallGtzan() {
    const char* ext[3] = {"wav", "au", "flac"};
    for (int g = 0; g < 3; ++g) {
      fs::create_directories(dir.path / genres[static_cast<size_t>(g)]);
      for (int i = 0; i < 3; ++i) {
        std::ostringstream name;
        name << genres[static_cast<size_t>(g)] << ".0000" << i << "." << ext[i];
        write_wav((dir.path / genres[static_cast<size_t>(g)] / name.str()).string(),
                  tagged(g, i, 8000 + 1000 * i), 8000);
      }
    }
    { std::ofstream(dir.path / "jazz" / "jazz.00054.wav") << "RIFF garbage, not a wave file"; }
    write_wav((dir.path / "rock" / "full.wav").string(), tagged(2, 9, 8000), 8000);
    test::truncate_file(dir.path / "rock" / "full.wav", dir.path / "rock" / "rock.00007.wav", 0.5);
    fs::remove(dir.path / "rock" / "full.wav");
    { std::ofstream(dir.path / "blues" / "README.txt") << "not a track"; }
  }
  GtzanOptions options() const {
    GtzanOptions o;
    o.root = dir.path.string();
    o.genres = genres;
    o.sample_rate = 8000;
    o.threads = 2;
    return o;
  }
};

TEST(DatasetGtzan, LoadsSortedSkipsBadFilesAndReportsThem) {
  SmallGtzan g;
  std::ostringstream log;
  LoadReport rep;
  const Dataset ds = load_gtzan(g.options(), log, &rep);
  EXPECT_EQ(rep.found, 11);
  EXPECT_EQ(rep.loaded, 9);
  EXPECT_EQ(rep.skipped, 2);
  ASSERT_EQ(rep.problems.size(), 2u);
  EXPECT_NE(rep.problems[0].find("jazz.00054.wav"), std::string::npos) << rep.problems[0];
  EXPECT_NE(rep.problems[1].find("rock.00007.wav"), std::string::npos) << rep.problems[1];
  EXPECT_NE(rep.problems[1].find("truncated"), std::string::npos) << rep.problems[1];
  EXPECT_EQ(count_lines(log.str(), "skipped "), 2u) << log.str();
  EXPECT_EQ(count_lines(log.str(), "jazz.00054.wav"), 1u);

  ASSERT_EQ(ds.tracks.size(), 9u);
  ASSERT_EQ(ds.audio.size(), 9u);
  EXPECT_EQ(ds.genres, g.genres);
  EXPECT_EQ(ds.sample_rate, 8000);
  for (int t = 0; t < 9; ++t) {
    const Track& tr = ds.tracks[static_cast<size_t>(t)];
    EXPECT_EQ(tr.track_id, t);
    EXPECT_EQ(tr.label, t / 3);
    EXPECT_EQ(tr.genre, g.genres[static_cast<size_t>(t / 3)]);
    const int idx = t % 3;
    EXPECT_NE(tr.path.find(".0000" + std::to_string(idx) + "."), std::string::npos) << tr.path;
    ASSERT_EQ(ds.audio[static_cast<size_t>(t)].size(), static_cast<size_t>(8000 + 1000 * idx));
    EXPECT_NEAR(ds.audio[static_cast<size_t>(t)][100],
                0.01f * static_cast<float>((t / 3) * 10 + idx + 1), 1e-4);
  }
}

TEST(DatasetGtzan, MaxTracksPerGenreTakesTheFirstSorted) {
  SmallGtzan g;
  GtzanOptions o = g.options();
  o.max_tracks_per_genre = 2;
  o.threads = 1;
  std::ostringstream log;
  LoadReport rep;
  const Dataset ds = load_gtzan(o, log, &rep);
  EXPECT_EQ(rep.found, 6);
  EXPECT_EQ(rep.skipped, 0);
  ASSERT_EQ(ds.tracks.size(), 6u);
  EXPECT_NE(ds.tracks[5].path.find("rock.00001.au"), std::string::npos);
}

TEST(DatasetGtzan, MissingRootOrGenreIsAHelpfulError) {
  std::ostringstream log;
  GtzanOptions o;
  o.root = "/nonexistent/mgr/gtzan";
  try {
    load_gtzan(o, log);
    FAIL() << "expected mgr::Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("/nonexistent/mgr/gtzan"), std::string::npos) << m;
    EXPECT_NE(m.find("<root>/<genre>/<genre>.NNNNN"), std::string::npos) << m;
  }
  SmallGtzan g;
  o = g.options();
  o.genres = {"blues", "metal"};  // no metal folder
  try {
    load_gtzan(o, log);
    FAIL() << "expected mgr::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metal"), std::string::npos) << e.what();
  }
  fs::create_directories(g.dir.path / "pop");  // a genre folder without tracks
  o.genres = {"pop"};
  EXPECT_THROW(load_gtzan(o, log), Error);
  o.genres = {};  // all ten: most folders are missing here
  EXPECT_THROW(load_gtzan(o, log), Error);
}

TEST(DatasetGtzan, PointsAtTheGenresFolderOneLevelDown) {
  TempDir dir("gtzan_hint");
  fs::create_directories(dir.path / "genres_original" / "blues");
  std::ostringstream log;
  GtzanOptions o;
  o.root = dir.path.string();
  try {
    load_gtzan(o, log);
    FAIL() << "expected mgr::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("genres_original"), std::string::npos) << e.what();
  }
}

Dataset fake_dataset(const std::vector<int>& lengths, int sr) {
  Dataset ds;
  ds.sample_rate = sr;
  ds.genres = {"a", "b"};
  for (size_t t = 0; t < lengths.size(); ++t) {
    std::ostringstream name;  // (not "t" + to_string(t): GCC 12 warns falsely on that)
    name << "t" << t << ".wav";
    ds.tracks.push_back(
        Track{name.str(), static_cast<int>(t % 2), ds.genres[t % 2], static_cast<int>(t)});
    std::vector<float> a(static_cast<size_t>(lengths[t]));
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(t * 100000 + i);
    ds.audio.push_back(std::move(a));
  }
  return ds;
}

TEST(DatasetSegment, WholeClipsAtHopOffsets) {
  // 100 Hz: clip 0.3 s = 30 samples, hop 0.2 s = 20 samples.
  Dataset ds = fake_dataset({100, 29, 30, 71}, 100);
  std::ostringstream log;
  segment_clips(ds, 0.3, 0.2, log);
  EXPECT_EQ(ds.clip_samples, 30);
  // track 0: offsets 0,20,40,60 (60+30 <= 100; 80+30 > 100); track 1: none; track 2: 0;
  // track 3: 0,20,40.
  const std::vector<std::pair<int, int64_t>> want = {{0, 0}, {0, 20}, {0, 40}, {0, 60},
                                                     {2, 0}, {3, 0},  {3, 20}, {3, 40}};
  ASSERT_EQ(ds.clips.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ds.clips[i].track_id, want[i].first);
    EXPECT_EQ(ds.clips[i].offset, want[i].second);
    EXPECT_EQ(ds.clips[i].label, want[i].first % 2);
  }
  EXPECT_NE(log.str().find("1 of 4 tracks"), std::string::npos) << log.str();

  // Non-overlapping 3 s clips of a GTZAN-length track: 661794 samples -> 10 clips.
  Dataset g = fake_dataset({661794}, 22050);
  segment_clips(g, 3.0, 3.0, log);
  EXPECT_EQ(g.clip_samples, 66150);
  EXPECT_EQ(g.clips.size(), 10u);
  EXPECT_EQ(g.clips.back().offset, 9 * 66150);
  EXPECT_THROW(segment_clips(g, 0.0, 1.0, log), Error);
}

TEST(DatasetSegment, TracksALittleShortArePaddedToOneClip) {
  // 100 Hz, clip 0.3 s = 30 samples, pad up to 0.05 s = 5 samples: 26 samples pad to 30 and give
  // one clip (their samples, then silence); 24 samples are too short even so; 0 samples stay out.
  Dataset ds = fake_dataset({26, 24, 0, 40}, 100);
  std::ostringstream log;
  segment_clips(ds, 0.3, 0.3, log, 0.05);
  ASSERT_EQ(ds.clips.size(), 2u);
  EXPECT_EQ(ds.clips[0].track_id, 0);
  EXPECT_EQ(ds.clips[1].track_id, 3);
  ASSERT_EQ(ds.audio[0].size(), 30u);
  EXPECT_EQ(ds.audio[0][25], 25.0f);
  for (size_t i = 26; i < 30; ++i) EXPECT_EQ(ds.audio[0][i], 0.0f) << i;
  EXPECT_EQ(ds.audio[1].size(), 24u) << "too short to pad: left as it was";
  EXPECT_EQ(ds.audio[3].size(), 40u) << "a whole clip and a rest: nothing padded";
  EXPECT_THAT(log.str(), HasSubstr("1 of 4 tracks are a little shorter than one 0.3 s clip"));
  EXPECT_THAT(log.str(), HasSubstr("(data.pad_short_seconds; first: t0.wav)"));
  EXPECT_THAT(log.str(), HasSubstr("2 of 4 tracks are shorter than one 0.3 s clip"));

  // Without padding (the default) the short track gives no clip, as before.
  Dataset plain = fake_dataset({26, 40}, 100);
  segment_clips(plain, 0.3, 0.3, log);
  ASSERT_EQ(plain.clips.size(), 1u);
  EXPECT_EQ(plain.clips[0].track_id, 1);
  EXPECT_THROW(segment_clips(plain, 0.3, 0.3, log, -1.0), Error);
}

TEST(DatasetSegment, GatherCopiesClipRows) {
  Dataset ds = fake_dataset({100, 50}, 100);
  std::ostringstream log;
  segment_clips(ds, 0.25, 0.25, log);  // 25 samples: track 0 -> 4 clips, track 1 -> 2 clips
  ASSERT_EQ(ds.clips.size(), 6u);
  std::vector<float> out(3 * 25);
  gather_clips(ds, {5, 0, 2}, out.data());
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(out[static_cast<size_t>(i)],
              static_cast<float>(100000 + 25 + i));                           // track 1, offset 25
    EXPECT_EQ(out[static_cast<size_t>(25 + i)], static_cast<float>(i));       // track 0, offset 0
    EXPECT_EQ(out[static_cast<size_t>(50 + i)], static_cast<float>(50 + i));  // track 0, offset 50
  }
  EXPECT_THROW(gather_clips(ds, {6}, out.data()), Error);
}

}  // namespace
}  // namespace mgr::data
