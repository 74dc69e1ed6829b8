// The classify front end: folders searched for audio, files decoded ahead of the model and
// reported in order (a missing or corrupt file is one error, the rest are classified), the
// report formats, and the classify binary's output and exit status.
#include <gmock/gmock.h>
#include <sndfile.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "framework/data/audio_io.h"
#include "framework/infer/classify_files.h"
#include "framework/infer/file_report.h"
#include "kernels/error.h"
#include "tests/classify_runs.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using test::classify_binary;
using test::read_text;
using ::testing::HasSubstr;

std::vector<float> tone(double seconds, int sr) {
  std::vector<float> a(static_cast<size_t>(seconds * sr));
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.3f * std::sin(0.05f * static_cast<float>(i));
  return a;
}

TEST(ClassifyFiles, FoldersAreSearchedRecursivelyForAudio) {
  test::TempDir dir("classify_find");
  fs::create_directories(dir.path / "a" / "b");
  fs::create_directories(dir.path / "empty");
  for (const char* f : {"a/x.WAV", "a/b/y.mp3", "a/b/notes.txt", "a/z.flac", "a/w.opus"})
    std::ofstream(dir.path / f) << "x";
  const infer::FoundFiles found =
      infer::find_audio_files({dir.file("a"), dir.file("empty"), dir.file("given.txt")});
  EXPECT_EQ(found.files, (std::vector<std::string>{dir.file("a/b/y.mp3"), dir.file("a/w.opus"),
                                                   dir.file("a/x.WAV"), dir.file("a/z.flac"),
                                                   dir.file("given.txt")}));
  ASSERT_EQ(found.problems.size(), 1u);
  EXPECT_THAT(found.problems[0], HasSubstr("no audio files"));
}

TEST(ClassifyFiles, UnreadableFilesAreOneErrorEachAndTheRestAreClassified) {
  const test::TinyRun& run = test::tiny_run(false);
  infer::TrainedModel model = infer::TrainedModel::load(run.result.run_dir, "cpu");
  test::TempDir dir("classify_files");
  std::vector<std::string> files;
  for (int i = 0; i < 7; ++i) {
    files.push_back(dir.file("f" + std::to_string(i) + ".wav"));
    data::write_wav(files.back(), tone(1.0 + 0.5 * i, 11025), 11025);
  }
  files[2] = dir.file("missing.wav");
  test::truncate_file(files[3], dir.file("cut.wav"), 0.3);
  files[3] = dir.file("cut.wav");
  std::ofstream(dir.file("noise.mp3")) << "not an mp3 at all";
  files[5] = dir.file("noise.mp3");

  infer::ClassifyFilesOptions opt;
  opt.queue_files = 2;  // the decoders wait for the model
  opt.batch_clips = 2;
  std::vector<infer::FileResult> results;
  infer::classify_files(model, files, opt,
                        [&](const infer::FileResult& r) { results.push_back(r); });
  ASSERT_EQ(results.size(), files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(results[i].index, i);
    EXPECT_EQ(results[i].path, files[i]);
    const bool bad = i == 2 || i == 3 || i == 5;
    EXPECT_EQ(results[i].ok(), !bad) << files[i] << ": " << results[i].error;
    if (bad) {
      EXPECT_THAT(results[i].error, HasSubstr(files[i]));
      EXPECT_EQ(results[i].error.find('\n'), std::string::npos) << "one line";
    } else {
      // 1 s clips (11025 samples) every 0.5 s (5513 samples, rounded).
      const int64_t expect_clips = 1 + (results[i].samples - 11025) / 5513;
      EXPECT_EQ(results[i].samples, static_cast<int64_t>((1.0 + 0.5 * i) * 11025));
      EXPECT_EQ(results[i].scores.clips, expect_clips) << files[i];
    }
  }
}

// Writes `a` with libsndfile's encoder for `format`; false when this libsndfile lacks it.
bool write_encoded(const std::string& path, const std::vector<float>& a, int sr, int format) {
  SF_INFO info{};
  info.samplerate = sr;
  info.channels = 1;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) return false;
  const bool ok = sf_writef_float(f, a.data(), static_cast<sf_count_t>(a.size())) ==
                  static_cast<sf_count_t>(a.size());
  sf_close(f);
  return ok;
}

TEST(ClassifyFiles, CompressedFormatsAreClassified) {
  const test::TinyRun& run = test::tiny_run(false);
  infer::TrainedModel model = infer::TrainedModel::load(run.result.run_dir, "cpu");
  test::TempDir dir("classify_formats");
  const std::vector<float> a = tone(2.3, 48000);
  std::vector<std::string> files;
  for (auto [name, format] :
       {std::pair<const char*, int>{"a.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III},
        {"a.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS},
        {"a.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS}}) {
    if (write_encoded(dir.file(name), a, 48000, format))
      files.push_back(dir.file(name));
    else
      std::cout << "this libsndfile cannot write " << name << "\n";
  }
  if (files.empty()) GTEST_SKIP() << "libsndfile without mp3/opus/vorbis";
  infer::classify_files(model, files, {}, [&](const infer::FileResult& r) {
    EXPECT_TRUE(r.ok()) << r.error;
    // Encoders add a little padding: about 2.3 s at 11025 Hz, 3 clips either way.
    EXPECT_NEAR(static_cast<double>(r.samples) / 11025, 2.3, 0.1) << r.path;
    EXPECT_EQ(r.scores.clips, 3) << r.path;
  });
}

infer::FileResult fake_result() {
  infer::FileResult r;
  r.path = "music/a,b.wav";
  r.samples = 3 * 11025;
  r.scores.clips = 3;
  r.scores.probs = {0.7f, 0.2f, 0.1f, 0.1f, 0.5f, 0.4f, 1.0f, 0.0f, 0.0f};
  r.scores.decisions = {0, 1, 0};
  r.scores.offsets = {0, 11025, 22050};
  return r;
}

TEST(ClassifyFiles, ReportsGiveTheVoteAndTheMeanProbabilities) {
  const std::vector<std::string> names = {"rock", "jazz", "pop"};
  const infer::FileSummary s = infer::summarise(fake_result(), 3, 11025);
  EXPECT_EQ(s.votes, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(s.vote, 0);
  EXPECT_EQ(s.ranked, (std::vector<int>{0, 1, 2}));
  EXPECT_NEAR(s.mean_probability[1], 0.7 / 3, 1e-6);
  EXPECT_EQ(infer::text_report(s, names, 2),
            "music/a,b.wav: 3.0 s, 3 clips\n  vote:  rock (2/3 clips)\n"
            "  mean:  rock 0.600 jazz 0.233\n");
  EXPECT_EQ(infer::csv_header(names),
            "path,seconds,clips,padded,cut,vote,vote_clips,top,rock,jazz,pop\n");
  EXPECT_EQ(infer::csv_row(s, names),
            "\"music/a,b.wav\",3.000,3,0,0,rock,2,rock,0.600000,0.233333,0.166667\n");
  const nlohmann::json j = infer::json_report(s, names, 5);
  EXPECT_EQ(j["vote"]["genre"], "rock");
  EXPECT_EQ(j["votes"]["jazz"], 1);
  EXPECT_EQ(j["top"].size(), 3u) << "--top larger than the genres: all of them";
  const nlohmann::json c = infer::json_clips(fake_result(), names, 11025);
  EXPECT_EQ(c["offsets_seconds"], nlohmann::json({0.0, 1.0, 2.0}));
  EXPECT_EQ(c["decisions"], nlohmann::json({"rock", "jazz", "rock"}));
  ASSERT_EQ(c["probabilities"].size(), 3u);
  EXPECT_FLOAT_EQ(c["probabilities"][1][2].get<float>(), 0.4f);
  infer::FileResult broken = fake_result();
  broken.scores.offsets.pop_back();
  EXPECT_THROW(infer::json_clips(broken, names, 11025), Error);
  const std::string svg = infer::svg_timeline(fake_result(), names, 11025, 11025);
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  EXPECT_THAT(svg, HasSubstr(">jazz</text>"));
  std::vector<std::string> used;
  EXPECT_EQ(infer::timeline_path("out/t.svg", "x/song.mp3", false, used), "out/t.svg");
  EXPECT_EQ(infer::timeline_path("out/t.svg", "x/song.mp3", true, used), "out/t-song.svg");
  EXPECT_EQ(infer::timeline_path("out/t.svg", "y/song.wav", true, used), "out/t-song-2.svg");
}

TEST(ClassifyFiles, TheToolPrintsCsvAndExitsByWhetherAnyFileWasClassified) {
  if (!fs::exists(classify_binary())) GTEST_SKIP() << "classify not built";
  const test::TinyRun& run = test::tiny_run(false);
  test::TempDir dir("classify_cli");
  fs::create_directories(dir.path / "music");
  data::write_wav(dir.file("music/one.wav"), tone(2.0, 22050), 22050);  // resampled
  data::write_wav(dir.file("music/two.flac"), tone(0.3, 11025), 11025);
  const std::string cmd = classify_binary() + " " + run.result.run_dir + " " + dir.file("music") +
                          " " + dir.file("missing.wav") + " --csv --device cpu --timeline " +
                          dir.file("t.svg") + " >" + dir.file("out.csv") + " 2>" +
                          dir.file("err.txt");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir.file("err.txt"));
  const std::string csv = read_text(dir.file("out.csv"));
  EXPECT_THAT(csv, HasSubstr("path,seconds,clips,padded,cut,vote,vote_clips,top,blues,classical,"
                             "metal,pop\n"));
  EXPECT_THAT(csv, HasSubstr(dir.file("music/one.wav") + ",2.000,2,0,0,"));
  EXPECT_THAT(csv, HasSubstr(dir.file("music/two.flac") + ",0.300,1,1,0,"));
  const std::string err = read_text(dir.file("err.txt"));
  EXPECT_THAT(err, HasSubstr("classify: error: " + dir.file("missing.wav")));
  EXPECT_THAT(err, HasSubstr("shorter than one clip"));
  EXPECT_THAT(err, HasSubstr("2 of 3 files classified"));
  EXPECT_TRUE(fs::exists(dir.file("t-one.svg")));
  EXPECT_TRUE(fs::exists(dir.file("t-two.svg")));

  const std::string none = classify_binary() + " " + run.result.run_dir + " " +
                           dir.file("missing.wav") + " >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(none.c_str())), 1) << "nothing classified";
  const std::string bad_run =
      classify_binary() + " " + dir.file("music") + " " + dir.file("music") + " >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(bad_run.c_str())), 2) << "no model";
}

// A file name holding a byte that is not UTF-8 (Latin-1 "caf\xE9", common in old collections)
// is classified, and both the JSON and the CSV output write it with U+FFFD in place of the byte
// (the JSON used to abort the whole process).
TEST(ClassifyFiles, FileNamesThatAreNotUtf8AreReplacedInJsonAndCsv) {
  if (!fs::exists(classify_binary())) GTEST_SKIP() << "classify not built";
  const test::TinyRun& run = test::tiny_run(false);
  test::TempDir dir("classify_latin1");
  data::write_wav(dir.file("caf\xE9.wav"), tone(2.0, 22050), 22050);
  for (const char* format : {"--json", "--csv"}) {
    const std::string cmd = classify_binary() + " " + run.result.run_dir + " " + dir.file("") +
                            " " + format + " --device cpu >" + dir.file("out.txt") + " 2>" +
                            dir.file("err.txt");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << format << ": " << read_text(dir.file("err.txt"));
    const std::string out = read_text(dir.file("out.txt"));
    EXPECT_THAT(out, HasSubstr("caf\xEF\xBF\xBD.wav")) << format;
    EXPECT_EQ(out.find("caf\xE9"), std::string::npos) << format;
    if (std::string(format) == "--json") {
      const nlohmann::json doc = nlohmann::json::parse(out);
      EXPECT_EQ(doc["files"].size(), 1u);
    }
  }
}

TEST(ClassifyFiles, TheToolWaitsPassivelyUnlessTheUserChoseAPolicy) {
  // libgomp's spinning idle threads took the decoders' CPU (framework/infer/openmp_wait.h): the
  // tool runs itself again with OMP_WAIT_POLICY=passive when the variable is unset, and keeps a
  // value the user set.
  if (!fs::exists(classify_binary())) GTEST_SKIP() << "classify not built";
  const test::TinyRun& run = test::tiny_run(false);
  test::TempDir dir("classify_wait");
  data::write_wav(dir.file("one.wav"), tone(2.0, 22050), 22050);
  for (const auto& [env, want] :
       {std::pair<std::string, std::string>{"env -u OMP_WAIT_POLICY", "OMP_WAIT_POLICY=passive"},
        {"env OMP_WAIT_POLICY=active", "OMP_WAIT_POLICY=active"}}) {
    const std::string cmd = env + " OMP_NUM_THREADS=2 " + classify_binary() + " " +
                            run.result.run_dir + " " + dir.file("one.wav") +
                            " --csv --device cpu >" + dir.file("out.csv") + " 2>" +
                            dir.file("err.txt");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir.file("err.txt"));
    const std::string err = read_text(dir.file("err.txt"));
    EXPECT_THAT(err, HasSubstr("(2 OpenMP threads, " + want + ")")) << env;
    EXPECT_THAT(read_text(dir.file("out.csv")), HasSubstr(dir.file("one.wav") + ",2.000,2,0,"))
        << env;
  }
}

}  // namespace
}  // namespace mgr
