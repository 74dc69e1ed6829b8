// The synthetic corpus's genre styles as data (datasets/synthetic/styles.yaml): the embedded text
// is the file, it parses to the traits the corpus was made from, and a broken edit is refused
// with a message that names the place and the key.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "framework/data/synthetic_styles.h"
#include "kernels/error.h"

namespace mgr::data::synth {
namespace {

TEST(SyntheticStyles, EmbeddedTextIsTheDatasetsFile) {
  std::ifstream in(std::string(MGR_SOURCE_DIR) + "/datasets/synthetic/styles.yaml",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(styles_yaml(), file) << "the build embeds a stale copy";
}

TEST(SyntheticStyles, TenStylesWithTheirTraits) {
  const auto& s = styles();
  ASSERT_EQ(s.size(), 10u);
  const Style& blues = s[0];
  EXPECT_EQ(blues.bpm_lo, 70);
  EXPECT_EQ(blues.bpm_hi, 115);
  EXPECT_EQ(blues.swing8_lo, 0.6);
  EXPECT_EQ(blues.drums_db, -3);
  ASSERT_EQ(blues.progressions.size(), 3u);
  ASSERT_EQ(blues.progressions[0].chords.size(), 12u);  // the 12-bar blues
  EXPECT_EQ(blues.progressions[0].chords[8].root, 7);
  EXPECT_EQ(blues.progressions[0].chords[8].iv, (std::vector<int>{0, 4, 7, 10}));
  EXPECT_FALSE(blues.progressions[0].minor);
  EXPECT_TRUE(blues.progressions[2].minor);
  EXPECT_EQ(blues.scale_major, (std::vector<int>{0, 3, 5, 6, 7, 10}));
  EXPECT_EQ(blues.basses, (std::vector<Bass>{Bass::Walking, Bass::BoomChick, Bass::Root8}));
  EXPECT_EQ(blues.lead_timbres, (std::vector<TimbreId>{TimbreId::CleanGuitar, TimbreId::Sax,
                                                       TimbreId::Organ, TimbreId::Brass}));

  const Style& classical = s[1];
  EXPECT_EQ(classical.drums_p, 0);
  EXPECT_TRUE(classical.patterns.empty());
  EXPECT_EQ(classical.drums_db, -99);
  EXPECT_EQ(classical.basses.back(), Bass::None);
  EXPECT_EQ(classical.scale_minor, (std::vector<int>{0, 2, 3, 5, 7, 8, 11}));
  EXPECT_EQ(classical.dynamics_depth, 0.7);

  // Keys a genre leaves out come from `defaults`.
  const Style& country = s[2];
  EXPECT_EQ(country.fill_p, 0.3);
  EXPECT_EQ(country.snr_lo, 30);
  EXPECT_EQ(country.snr_hi, 50);
  EXPECT_EQ(country.swing8_hi, 0);
  EXPECT_EQ(country.lofi_p, 0.05);
  EXPECT_EQ(country.comp_center, 60);
  EXPECT_EQ(s[4].comp_center, 62);

  const DrumPattern& disco = s[3].patterns[1];  // an unused voice is empty
  EXPECT_EQ(disco.snare, "");
  EXPECT_EQ(disco.clap, "....x.......x...");
  EXPECT_EQ(s[4].boom, 1.0);
  EXPECT_EQ(s[5].progressions[3].chords[1].iv, (std::vector<int>{0, 4, 7, 10, 13}));
  EXPECT_EQ(s[5].leads, (std::vector<Lead>{Lead::Jazz}));
  EXPECT_EQ(s[6].distortion_hi, 18);
  EXPECT_EQ(s[6].comps, (std::vector<Comp>{Comp::PowerChug}));
  EXPECT_EQ(s[6].progressions[0].chords[0].iv, (std::vector<int>{0, 7, 12}));
  EXPECT_EQ(s[8].bass_db, 1);
  EXPECT_EQ(s[9].leads, (std::vector<Lead>{Lead::Melody, Lead::Blues}));
}

// The embedded file with the first `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string text(styles_yaml());
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is no longer in styles.yaml";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& text) {
  try {
    parse_styles(text, "styles.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SyntheticStyles, ABrokenEditNamesTheKey) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {edited("    bpm: [70, 115]", "    bmp: [70, 115]"),
       {"genres[0] (blues): unknown key 'bmp' (known: name, bpm, "}},
      {edited("    drums_db: -3\n", ""), {"genres[0] (blues): missing key 'drums_db'"}},
      {edited("[0 dom7, 0 dom7,", "[0 dom13, 0 dom7,"),
       {"genres[0] (blues).progressions[0].chords[0]: unknown chord type 'dom13' (known: "}},
      {edited("[0 dom7, 0 dom7,", "[12 dom7, 0 dom7,"),
       {"genres[0] (blues).progressions[0].chords[0]: expected \"<root 0-11> <chord type>\""}},
      {edited("[0 dom7, 0 dom7,", "[0dom7, 0 dom7,"),
       {"genres[0] (blues).progressions[0].chords[0]: expected \"<root 0-11> <chord type>\""}},
      {edited("lead_p: 0.85", "lead_p:"),
       {"styles.yaml: genres[0] (blues).lead_p: expected a number, got nothing"}},
      {edited("    crash_p: 0.7\n", "    crash_p: 0.7\n    crash_p: 0.2\n"),
       {"genres[6] (metal): key 'crash_p' given twice"}},
      {edited("scale_minor: dorian", "scale_minor: lydian"),
       {"genres[3] (disco).scale_minor: unknown scale 'lydian'"}},
      {edited("basses: [Walking,", "basses: [Walkin,"),
       {"genres[0] (blues).basses[0]: unknown bass style 'Walkin' (known: None, Root8, "}},
      {edited("comp_timbres: [PowerSaw]", "comp_timbres: [PowerSow]"),
       {"genres[6] (metal).comp_timbres[0]: unknown timbre 'PowerSow'"}},
      {edited("leads: [Jazz]", "leads: [Bebop]"),
       {"genres[5] (jazz).leads[0]: unknown lead style 'Bebop'"}},
      {edited("comps: [PowerChug]", "comps: []"), {"genres[6] (metal).comps: must not be empty"}},
      {edited("lead_p: 0.85", "lead_p: high"),
       {"genres[0] (blues).lead_p: expected a number, got 'high'"}},
      {edited("lead_p: 0.85", "lead_p: 1.5"),
       {"genres[0] (blues).lead_p: expected a value in [0, 1], got 1.5"}},
      {edited("bpm: [55, 130]", "bpm: 55"),
       {"genres[1] (classical).bpm: expected [lo, hi], got '55'"}},
      {edited("bpm: [55, 130]", "bpm: [130, 55]"), {"genres[1] (classical).bpm: lo > hi"}},
      {edited("comp_center: 64", "comp_center: 64.5"),
       {"genres[1] (classical).comp_center: expected an integer, got '64.5'"}},
      {edited("minor: false  #", "minor: maybe  #"),
       {"genres[0] (blues).progressions[0].minor: expected true or false, got 'maybe'"}},
      {edited("hat: xxxxxxxxxxxxxxxx}", "hat: xxxxxxxxxxxxxxx}"),
       {"genres[4] (hiphop).patterns[1].hat: expected 16 steps"}},
      {edited("  fill_p: 0.3\n", "  fill_p: 3\n"),
       {"defaults.fill_p: expected a value in [0, 1], got 3"}},
      {edited("  - name: jazz", "  - name: jaz"),
       {"genres[5] (jaz).name: expected 'jazz' (the genres follow gtzan_genres(): blues, "}},
      {edited("\ngenres:", "\ngenre:"), {"top level: unknown key 'genre'"}},
      {edited("bpm: [70, 115]", "bpm: [70, 115"), {"styles.yaml:"}},
  };
  for (const auto& [text, wants] : cases) {
    const std::string e = error_of(text);
    for (const auto& w : wants) EXPECT_NE(e.find(w), std::string::npos) << e << "\nwanted: " << w;
  }
  // The position is the key's: line and column of the misspelt key.
  const std::string text = edited("    bpm: [70, 115]", "    bmp: [70, 115]");
  const auto at = text.find("    bmp:");
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
  EXPECT_EQ(error_of(text).rfind("styles.yaml:" + std::to_string(line) + ":5: genres[0]", 0), 0u)
      << error_of(text);
}

}  // namespace
}  // namespace mgr::data::synth
