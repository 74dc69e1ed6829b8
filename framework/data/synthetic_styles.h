// The musical traits of the ten synthetic genres: tempo ranges, drum patterns, chord
// progressions, bass / comping / lead styles and their timbres, production (mix levels,
// distortion, reverb, noise). synthesize_track() draws one track's concrete choices from these.
// The values are data: datasets/synthetic/styles.yaml.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "framework/data/synth_voices.h"

namespace mgr::data::synth {

struct Chord {
  int root;             // semitones above the key
  std::vector<int> iv;  // chord tones above the root
};

struct Progression {
  std::vector<Chord> chords;  // one per bar (or per two bars for slow tracks)
  bool minor = false;         // picks the style's minor scale for the lead
};

// A 16-step bar per drum voice; 'x' a hit, 'g' a ghost note, '.' silence. Empty: voice unused.
struct DrumPattern {
  std::string kick, snare, hat, open_hat, ride, clap;
};

enum class Bass {
  None,
  Root8,
  RootHalf,
  Walking,
  BoomChick,
  Octave8,
  Sub808,
  Reggae,
  Chug16,
  Sustain
};
enum class Comp { Pad, PianoBlock, Strum, Skank, PowerChug, Arpeggio, JazzComp, Stabs };
enum class Lead { None, Melody, Blues, Jazz };

// One genre's traits; datasets/synthetic/styles.yaml holds the values and says what each field
// means and its units.
struct Style {
  double bpm_lo, bpm_hi;
  double swing8_lo, swing8_hi;    // 1: full triplet shuffle of the off-beat eighths
  double swing16_lo, swing16_hi;  // swing of the off 16ths (hip-hop)
  double drums_p;
  double drums_db;  // drum bus level before the mix's random +-3 dB
  std::vector<DrumPattern> patterns;
  double crash_p;  // chance of a crash on each 4-bar phrase start
  double fill_p;   // chance of a snare fill ending each 4-bar phrase
  double boom;     // kick towards an 808
  std::vector<Progression> progressions;
  std::vector<int> scale_major, scale_minor;
  double slow_chords_p;  // chance of two bars per chord
  double bass_db;        // bass bus level before the mix's random +-3 dB
  std::vector<Bass> basses;
  std::vector<TimbreId> bass_timbres;
  std::vector<Comp> comps;
  std::vector<TimbreId> comp_timbres;  // for the additive comping styles
  int comp_center;                     // MIDI centre of the chord voicings
  std::vector<Lead> leads;
  std::vector<TimbreId> lead_timbres;
  double lead_p;
  double lead_density_lo, lead_density_hi;  // notes per beat
  double repeat_p;  // how strongly the lead repeats its phrase (pop high, jazz low)
  double distortion_lo, distortion_hi;  // drive on the guitar bus
  double reverb_lo, reverb_hi;
  double crackle_p;
  double lofi_p;
  double dynamics_depth;  // slow swells over the track (classical: large)
  double snr_lo, snr_hi;  // noise floor below the music, dB
};

// The ten styles in gtzan_genres() order, parsed once from datasets/synthetic/styles.yaml as
// built into the library (styles_yaml()); never reads the source tree.
const std::vector<Style>& styles();

// The text of datasets/synthetic/styles.yaml, embedded at build time (cmake/embed_text.cmake).
std::string_view styles_yaml();

// Parses a styles file: its genres must be gtzan_genres() in order. Throws mgr::Error naming
// `source`, the line and column, and the key (e.g. "genres[3] (disco).comps[1]") for a YAML
// syntax error, an unknown or missing key, an unknown chord, scale, timbre or style name, a
// value of the wrong type or out of range.
std::vector<Style> parse_styles(std::string_view yaml, const std::string& source);

}  // namespace mgr::data::synth
