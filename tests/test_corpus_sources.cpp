// Corpora beyond GTZAN's folder layout: the CSV reader, data.source manifest and fma, data.exclude,
// GTZAN's fault-filtered split, group-aware track splits and folds, and whole runs on a manifest.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "framework/data/csv.h"
#include "framework/data/fma.h"
#include "framework/data/manifest.h"
#include "framework/data/split.h"
#include "framework/data/synthetic.h"
#include "framework/data/track_selection.h"
#include "framework/engine/run_setup.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::TempDir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

TEST(Csv, QuotesNewlinesCrlfAndByteOrderMark) {
  TempDir d("csv");
  write(d.path / "a.csv",
        "\xEF\xBB\xBFpath,label\r\n\"a, b.wav\",rock\r\n\r\n\"say \"\"hi\"\"\nsecond line\",jazz\n"
        "last,pop");
  const std::vector<CsvRecord> r = read_csv(d.file("a.csv"), ',');
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].fields, (std::vector<std::string>{"path", "label"}));
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"a, b.wav", "rock"}));
  EXPECT_EQ(r[2].line, 4);
  EXPECT_EQ(r[2].fields[0], "say \"hi\"\nsecond line");
  EXPECT_EQ(r[3].line, 6);
  EXPECT_EQ(r[3].fields, (std::vector<std::string>{"last", "pop"}));

  write(d.path / "open.csv", "a,b\n1,\"never closed\n2,3\n");
  EXPECT_NE(error_of([&] { read_csv(d.file("open.csv"), ','); }).find("open.csv:2: a quoted field"),
            std::string::npos);
  write(d.path / "after.csv", "a,b\n\"x\"y,1\n");
  EXPECT_NE(error_of([&] { read_csv(d.file("after.csv"), ','); }).find("after.csv:2:"),
            std::string::npos);
  write(d.path / "t.txt", "path\tlabel\nx\ty\n");
  EXPECT_EQ(guess_delimiter(d.file("t.txt")), '\t');
  EXPECT_EQ(guess_delimiter(d.file("a.tsv")), '\t');
  EXPECT_EQ(guess_delimiter(d.file("a.csv")), ',');
}

TEST(Manifest, RelativePathsSplitsGroupsIdsAndLabelOrder) {
  TempDir d("manifest");
  write(d.path / "m/list.tsv",
        "# a comment row\nPath\tgenre\tsplit\tgroup\tid\n"
        "audio/b1.ogg\tjazz\ttraining\tartist 1\t\n"
        "/abs/a1.wav\tblues\ttest\t\tmy-id\n"
        "audio/b2.ogg\tjazz\tval\tartist 1\tb2\n"
        "audio/x.ogg\tblues\t\tartist 2\t\n");
  const ManifestTracks m = read_manifest(d.file("m/list.tsv"), {});
  EXPECT_EQ(m.genres, (std::vector<std::string>{"blues", "jazz"}));
  ASSERT_EQ(m.tracks.size(), 4u);
  EXPECT_EQ(m.tracks[0].path, "/abs/a1.wav");
  EXPECT_EQ(m.tracks[0].id, "my-id");
  EXPECT_EQ(m.tracks[0].part, TrackPart::Test);
  EXPECT_EQ(m.tracks[1].path, (d.path / "m/audio/x.ogg").string());
  EXPECT_EQ(m.tracks[1].id, "x");
  EXPECT_EQ(m.tracks[1].part, TrackPart::None);
  EXPECT_EQ(m.tracks[2].label, 1);
  EXPECT_EQ(m.tracks[2].part, TrackPart::Train);
  EXPECT_EQ(m.tracks[2].group, "artist 1");
  EXPECT_EQ(m.tracks[3].part, TrackPart::Validation);
  // With data.genres given, the label order is theirs.
  EXPECT_EQ(read_manifest(d.file("m/list.tsv"), {"jazz", "blues"}).tracks[0].genre, "jazz");
}

TEST(Manifest, BadManifestsAreErrorsWithFileAndLine) {
  TempDir d("manifest_bad");
  const auto err = [&](const std::string& text, const std::vector<std::string>& genres = {}) {
    write(d.path / "m.csv", text);
    return error_of([&] { read_manifest(d.file("m.csv"), genres); });
  };
  EXPECT_NE(err("path,label,artist\na,b,c\n").find("m.csv:1: unknown column 'artist'"),
            std::string::npos);
  EXPECT_NE(err("path,split\na,train\n").find("m.csv:1: no 'label' column"), std::string::npos);
  EXPECT_NE(err("path,label\na.wav,rock\nb.wav\n").find("m.csv:3: 1 cells, the header has 2"),
            std::string::npos);
  EXPECT_NE(err("path,label\na.wav,polka\n", {"rock", "pop"})
                .find("m.csv:2: label 'polka' is not one of data.genres (rock, pop)"),
            std::string::npos);
  EXPECT_NE(err("path,label,split\na.wav,rock,holdout\n").find("m.csv:2: split 'holdout'"),
            std::string::npos);
  EXPECT_NE(err("path,label\na.wav,rock\n./a.wav,pop\n").find("m.csv:3: './a.wav' is listed twice"),
            std::string::npos);
  EXPECT_NE(err("path,label\n,rock\n").find("m.csv:2: empty path"), std::string::npos);
  EXPECT_NE(err("path,label\n").find("a header and no rows"), std::string::npos);
  EXPECT_NE(error_of([&] { read_manifest(d.file("none.csv"), {}); }).find("no such file"),
            std::string::npos);
}

// A tracks.csv as FMA writes it (pandas, a two-level header plus the index row), small.
std::string fma_tracks_csv() {
  return ",album,artist,set,set,track,track\n"
         ",title,id,split,subset,genre_top,title\n"
         "track_id,,,,,,\n"
         "2,AWOL,1,training,small,Hip-Hop,Food\n"
         "3,AWOL,1,validation,medium,Hip-Hop,\"Electric, Ave\"\n"
         "5,\"A\nmultiline album\",1,test,small,Hip-Hop,This World\n"
         "10,Constant,6,training,small,Pop,Freeway\n"
         "20,X,7,training,small,,no genre\n"
         "134,Y,8,test,large,Rock,big only\n";
}

TEST(Fma, ReadsTheTwoRowHeaderSubsetsSplitsAndArtists) {
  TempDir d("fma");
  write(d.path / "fma_metadata/tracks.csv", fma_tracks_csv());
  FmaOptions o;
  o.metadata = d.file("fma_metadata/tracks.csv");
  o.audio_root = d.file("fma_small");
  const FmaTracks small = read_fma(o);
  EXPECT_EQ(small.genres, (std::vector<std::string>{"Hip-Hop", "Pop"}));
  ASSERT_EQ(small.tracks.size(), 3u);  // 2, 5 (Hip-Hop), 10 (Pop); 3 is medium, 134 large
  EXPECT_EQ(small.without_genre, 1);
  EXPECT_EQ(small.tracks[0].path, d.file("fma_small/000/000002.mp3"));
  EXPECT_EQ(small.tracks[0].id, "000002");
  EXPECT_EQ(small.tracks[0].group, "artist 1");
  EXPECT_EQ(small.tracks[1].part, TrackPart::Test);
  EXPECT_EQ(small.tracks[2].genre, "Pop");
  EXPECT_EQ(fma_audio_path("r", 123456), "r/123/123456.mp3");

  o.subset = "medium";
  EXPECT_EQ(read_fma(o).tracks.size(), 4u);
  o.subset = "large";
  o.genres = {"Rock", "Pop"};
  const FmaTracks large = read_fma(o);
  ASSERT_EQ(large.tracks.size(), 2u);
  EXPECT_EQ(large.tracks[0].id, "000134");
  EXPECT_EQ(large.other_genres, 3);

  write(d.path / "not.csv", "track_id,title\n1,x\n2,y\n");
  o.metadata = d.file("not.csv");
  EXPECT_NE(error_of([&] { read_fma(o); }).find("not.csv:3: expected the index row 'track_id'"),
            std::string::npos);
  write(d.path / "nogenre.csv", ",set,set\n,split,subset\ntrack_id,,\n1,training,small\n");
  o.metadata = d.file("nogenre.csv");
  EXPECT_NE(error_of([&] { read_fma(o); }).find("no column track/genre_top"), std::string::npos);
  std::string bad_id = fma_tracks_csv() + "x7,Z,9,test,small,Rock,t\n";
  write(d.path / "badid.csv", bad_id);
  o.metadata = d.file("badid.csv");
  EXPECT_NE(error_of([&] { read_fma(o); }).find("badid.csv:11: track id 'x7' is not a number"),
            std::string::npos);
}

TEST(TrackSelection, ExcludeListsLeaveTracksOutBeforeDecoding) {
  TempDir d("exclude");
  write(d.path / "out.txt",
        "# Sturm 2013: repetitions\nblues.00001  repeated\n\njazz.00054 # bad\nnone.1\n");
  EXPECT_EQ(read_track_ids(d.file("out.txt")),
            (std::vector<std::string>{"blues.00001", "jazz.00054", "none.1"}));
  std::vector<Track> t(3);
  t[0].id = "blues.00000";
  t[1].id = "blues.00001";
  t[2].id = "jazz.00054";
  std::ostringstream log;
  EXPECT_EQ(exclude_tracks(t, read_track_ids(d.file("out.txt")), "out.txt", log), 2);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].id, "blues.00000");
  EXPECT_EQ(log.str(),
            "data.exclude: left out 2 of 3 tracks listed in out.txt (1 of its 3 ids name no "
            "track here)\n");
  EXPECT_NE(error_of([&] { read_track_ids(d.file("missing.txt")); }).find("cannot read"),
            std::string::npos);
}

TEST(TrackSelection, FaultFilteredListsHold443197290DisjointTracks) {
  // Every GTZAN id, then the lists decide each track's part.
  std::vector<Track> all;
  for (const std::string& g : gtzan_genres())
    for (int i = 0; i < 100; ++i) {
      Track t;
      std::ostringstream id;
      id << g << "." << std::setw(5) << std::setfill('0') << i;
      t.id = id.str();
      all.push_back(t);
    }
  std::ostringstream log;
  assign_fault_filtered_parts(all, log);
  std::map<TrackPart, int> n;
  for (const Track& t : all) ++n[t.part];
  EXPECT_EQ(n[TrackPart::Train], 443);
  EXPECT_EQ(n[TrackPart::Validation], 197);
  EXPECT_EQ(n[TrackPart::Test], 290);
  EXPECT_EQ(all.size(), 930u);
  EXPECT_NE(log.str().find("443 train / 197 validation / 290 test"), std::string::npos);
  EXPECT_NE(log.str().find("70 tracks in no list left out"), std::string::npos);
  // Spot checks against the source lists.
  std::map<std::string, TrackPart> part;
  for (const Track& t : all) part[t.id] = t.part;
  EXPECT_EQ(part.at("blues.00029"), TrackPart::Train);
  EXPECT_EQ(part.at("blues.00000"), TrackPart::Validation);
  EXPECT_EQ(part.at("blues.00012"), TrackPart::Test);
  EXPECT_EQ(part.count("jazz.00054") + part.count("blues.00100"), 1u);

  std::vector<Track> none(1);
  none[0].id = "a.00000";
  EXPECT_NE(error_of([&] { assign_fault_filtered_parts(none, log); }).find("is data.root a GTZAN"),
            std::string::npos);
}

// 3 genres x 12 tracks x 2 clips; track i of every genre belongs to artist "a<i % 4>" of that
// genre, except artist "x" who plays in two genres.
Dataset grouped_corpus() {
  Dataset ds;
  ds.genres = {"g0", "g1", "g2"};
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 12; ++i) {
      Track t;
      t.label = g;
      t.genre = ds.genres[static_cast<size_t>(g)];
      t.track_id = static_cast<int>(ds.tracks.size());
      std::ostringstream group;  // (not "a" + to_string(...): GCC 12 warns falsely on that)
      group << "a" << i % 4 << t.genre;
      t.group = i == 11 ? std::string("x") : group.str();
      ds.tracks.push_back(t);
      for (int c = 0; c < 2; ++c) ds.clips.push_back(Clip{t.track_id, g, c * 10});
    }
  return ds;
}

void expect_no_group_on_two_sides(const Dataset& ds, const Split& s) {
  std::map<std::string, std::set<int>> sides;
  const std::vector<const std::vector<int>*> parts = {&s.train, &s.validation, &s.test};
  for (int p = 0; p < 3; ++p)
    for (int c : *parts[static_cast<size_t>(p)])
      sides[ds.tracks[static_cast<size_t>(ds.clips[static_cast<size_t>(c)].track_id)].group].insert(
          p);
  for (const auto& [group, on] : sides) EXPECT_EQ(on.size(), 1u) << group;
  EXPECT_EQ(s.train.size() + s.validation.size() + s.test.size(), ds.clips.size());
}

TEST(GroupSplit, NoGroupOnTwoSidesInOneSplitOrInFolds) {
  const Dataset ds = grouped_corpus();
  for (uint64_t seed : {1, 2, 3}) {
    const Split s = make_split(ds, SplitKind::TrackStratified, {0.5, 0.25, 0.25}, seed);
    expect_no_group_on_two_sides(ds, s);
    EXPECT_FALSE(s.validation.empty());
    EXPECT_FALSE(s.test.empty());
  }
  std::set<int> tested;
  for (int f = 0; f < 4; ++f) {
    const Split s = make_fold_split(ds, SplitKind::TrackStratified, 4, f, 7);
    expect_no_group_on_two_sides(ds, s);
    for (int c : s.test) EXPECT_TRUE(tested.insert(c).second);
  }
  EXPECT_EQ(tested.size(), ds.clips.size());
  // Without groups the deal is per track, as before.
  Dataset plain = ds;
  for (Track& t : plain.tracks) t.group.clear();
  EXPECT_EQ(make_split(plain, SplitKind::TrackStratified, {0.5, 0.25, 0.25}, 1).test.size() % 2,
            0u);
}

TEST(GroupSplit, OfficialSplitFollowsEachTracksPartAndCannotBeFolded) {
  Dataset ds = grouped_corpus();
  for (Track& t : ds.tracks)
    t.part = t.track_id % 4 == 0   ? TrackPart::Test
             : t.track_id % 4 == 1 ? TrackPart::Validation
             : t.track_id % 4 == 2 ? TrackPart::Train
                                   : TrackPart::None;
  EXPECT_EQ(parse_split("official"), SplitKind::Assigned);
  EXPECT_EQ(parse_split("gtzan_fault_filtered"), SplitKind::Assigned);
  const Split s = make_split(ds, SplitKind::Assigned, {0.8, 0.1, 0.1}, 1);
  EXPECT_EQ(s.train.size(), 18u);
  EXPECT_EQ(s.validation.size(), 18u);
  EXPECT_EQ(s.test.size(), 18u);
  for (int c : s.test) EXPECT_EQ(ds.clips[static_cast<size_t>(c)].track_id % 4, 0);
  EXPECT_NE(error_of([&] {
              make_fold_split(ds, SplitKind::Assigned, 5, 0, 1);
            }).find("one fixed split: use protocol.folds 0"),
            std::string::npos);
}

// A tiny synthetic corpus listed by a manifest in another folder, with artists and a split.
struct ManifestCorpus {
  TempDir dir{"manifest_run"};
  std::string manifest = dir.file("lists/corpus.csv");
  ManifestCorpus() {
    SyntheticOptions so;
    so.root = dir.file("audio");
    so.tracks_per_genre = 8;
    so.track_seconds = 4.0;
    so.sample_rate = 11025;
    std::ostringstream log;
    ensure_synthetic_corpus(so, log);
    std::string text = "path,genre,group,split\n";
    for (const char* g : {"classical", "metal", "pop"})
      for (int i = 0; i < 8; ++i) {
        std::ostringstream row;
        row << "../audio/" << g << "/" << g << ".0000" << i << ".wav," << g << ",artist" << i / 2
            << g << ","
            << (i < 4   ? "train"
                : i < 6 ? "validation"
                        : "test")
            << "\n";
        text += row.str();
      }
    write(manifest, text);
  }
  std::string yaml(const std::string& split) const {
    return "name: manifest_knn\ndevice: cpu\ndata:\n  source: manifest\n  manifest: " + manifest +
           "\n  sample_rate: 11025\n  clip_seconds: 2.0\n  split: " + split +
           "\n  split_fractions: [0.5, 0.25, 0.25]\n"
           "features: {type: mfcc_stats, n_fft: 512, hop_length: 256, n_mels: 40, n_mfcc: 13,\n"
           "           normalize: none, cache: \"off\"}\nmodel:\n  type: knn\n  knn: {k: 3}\n";
  }
};

nlohmann::json run(const std::string& yaml, const std::string& out) {
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = out;
  return train::run_experiment(experiment::resolve(experiment::parse(yaml, "m.yaml")), opt).metrics;
}

TEST(ManifestRun, OfficialAndGroupedSplitsRunEndToEnd) {
  const ManifestCorpus c;
  const nlohmann::json off = run(c.yaml("official"), c.dir.file("run_official"));
  EXPECT_EQ(off["data"]["source"], "manifest");
  EXPECT_EQ(off["data"]["tracks"], 24);
  EXPECT_EQ(off["data"]["train_clips"], 12);  // 4 tracks x 1 clip (2 s every 3 s of 4 s) x 3
  EXPECT_EQ(off["data"]["test_clips"], 6);
  EXPECT_FALSE(off["leaky"].get<bool>());
  EXPECT_EQ(off["class_names"], (nlohmann::json{"classical", "metal", "pop"}));

  const nlohmann::json grouped = run(c.yaml("track_stratified"), c.dir.file("run_grouped"));
  EXPECT_EQ(grouped["data"]["tracks_on_two_sides"], 0);
  // split.csv names every track once; a group's tracks sit on one side.
  std::ifstream in(c.dir.file("run_grouped/split.csv"));
  std::string line;
  std::getline(in, line);
  std::map<std::string, std::set<std::string>> sides;
  while (std::getline(in, line)) {
    const std::string file = line.substr(line.rfind('/') + 1, line.find(".wav") - line.rfind('/'));
    const int i = file[file.find(".0000") + 5] - '0';
    const std::string genre = file.substr(0, file.find('.'));
    const std::string side = line.substr(line.find(",\"", line.find(".wav")) + 1);
    sides[genre + std::to_string(i / 2)].insert(side.substr(side.find(',') + 1));
  }
  EXPECT_EQ(sides.size(), 12u);
  for (const auto& [group, on] : sides) EXPECT_EQ(on.size(), 1u) << group;
}

TEST(ManifestRun, ConfigChecksNameTheMissingInputAndTheFixedSplit) {
  const auto err = [](const std::vector<std::string>& sets) {
    return error_of([&] { experiment::load("experiments/knn_baseline.yaml", sets); });
  };
  EXPECT_NE(err({"data.source=manifest"}).find("must name the manifest file"), std::string::npos);
  EXPECT_NE(err({"data.source=fma"}).find("must name fma_metadata/tracks.csv"), std::string::npos);
  EXPECT_NE(err({"data.split=official"}).find("only a manifest (split column) or fma"),
            std::string::npos);
  EXPECT_NE(err({"data.split=gtzan_fault_filtered"}).find("use source gtzan"), std::string::npos);
  EXPECT_NE(err({"data.source=gtzan", "data.split=gtzan_fault_filtered", "protocol.folds=5"})
                .find("nothing to fold"),
            std::string::npos);
  EXPECT_NE(err({"data.split=by_artist"}).find("official"), std::string::npos);
}

// data.genres against what each source holds, after listing it and before decoding anything:
// the folder's subfolders, the manifest's labels, FMA's genre_top values; with a did-you-mean.
TEST(GenresAtLoad, AGenreTheSourceDoesNotHoldIsNamedWithTheNearestBeforeDecoding) {
  TempDir dir("genres_at_load");
  // Not audio at all: a loader that decoded anything would fail on these bytes instead.
  for (const char* g : {"blues", "jazz", "pop"})
    write(dir.path / "music" / g / (std::string(g) + ".00000.wav"), "not audio");
  config::ExperimentConfig cfg;
  cfg.data.source = "gtzan";
  cfg.data.root = dir.file("music");
  cfg.data.genres = {"blues", "popp"};
  std::ostringstream log;
  const std::string folder = error_of([&] { train::load_experiment_data(cfg, log); });
  EXPECT_NE(folder.find("data.genres: 'popp' is not a genre of the folder " + dir.file("music") +
                        " (its subfolders) (it holds: blues, jazz, pop); did you mean 'pop'?"),
            std::string::npos)
      << folder;

  write(dir.path / "list.csv",
        "path,genre\nmusic/blues/blues.00000.wav,blues\n"
        "music/jazz/jazz.00000.wav,jazz\n");
  cfg.data.source = "manifest";
  cfg.data.manifest = dir.file("list.csv");
  cfg.data.genres = {"blues", "jazz", "jaz"};
  const std::string manifest = error_of([&] { train::load_experiment_data(cfg, log); });
  EXPECT_NE(manifest.find("'jaz' is not a genre of the manifest"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("did you mean 'jazz'?"), std::string::npos) << manifest;

  // The wrong root altogether (no genre folder in it) keeps the loader's layout message.
  cfg.data.source = "gtzan";
  cfg.data.root = dir.path.string();
  cfg.data.genres = {"blues"};
  const std::string layout = error_of([&] { train::load_experiment_data(cfg, log); });
  EXPECT_NE(layout.find("load_gtzan: no folder"), std::string::npos) << layout;
}

// A manifest made from a real-music folder in GTZAN layout (gtzan-mini: 100 excerpts of ten
// genres) loads through the manifest path to the same tracks as the folder.
TEST(ManifestRun, ManifestOfARealGtzanFolderListsTheSameTracks) {
  const char* root = std::getenv("MGR_GTZAN_MINI");
  if (!root || !fs::is_directory(root))
    GTEST_SKIP() << "set MGR_GTZAN_MINI to a copy of the gtzan-mini excerpts (10 genres, GTZAN "
                    "layout)";
  GtzanOptions go;
  go.root = root;
  const std::vector<Track> folder = scan_gtzan(go);
  TempDir d("manifest_real");
  std::string text = "path\tlabel\n";
  for (const Track& t : folder) text += t.path + "\t" + t.genre + "\n";
  write(d.path / "gtzan-mini.tsv", text);
  const ManifestTracks m = read_manifest(d.file("gtzan-mini.tsv"), gtzan_genres());
  ASSERT_EQ(m.tracks.size(), folder.size());
  for (size_t i = 0; i < folder.size(); ++i) {
    EXPECT_EQ(m.tracks[i].path, folder[i].path);
    EXPECT_EQ(m.tracks[i].label, folder[i].label);
    EXPECT_EQ(m.tracks[i].id, folder[i].id);
  }
  // The fault-filtered lists place every gtzan-mini excerpt they hold.
  std::vector<Track> listed = folder;
  std::ostringstream log;
  assign_fault_filtered_parts(listed, log);
  EXPECT_GT(listed.size(), 0u);
  EXPECT_LE(listed.size(), folder.size());
}

}  // namespace
}  // namespace mgr::data
