// The musical traits of the ten synthetic genres: tempo ranges, drum patterns, chord
// progressions, bass / comping / lead styles and their timbres, production (distortion, reverb,
// noise). synthesize_track() draws one track's concrete choices from these.
#pragma once

#include <string>
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

struct Style {
  double bpm_lo, bpm_hi;
  double swing8_lo = 0, swing8_hi = 0;    // 1: full triplet shuffle of the off-beat eighths
  double swing16_lo = 0, swing16_hi = 0;  // swing of the off 16ths (hip-hop)
  double drums_p = 1;
  std::vector<DrumPattern> patterns;
  double crash_p = 0;   // chance of a crash on each 4-bar phrase start
  double fill_p = 0.3;  // chance of a snare fill ending each 4-bar phrase
  double boom = 0;      // kick towards an 808
  std::vector<Progression> progressions;
  std::vector<int> scale_major, scale_minor;
  double slow_chords_p = 0;  // chance of two bars per chord
  std::vector<Bass> basses;
  std::vector<TimbreId> bass_timbres;
  std::vector<Comp> comps;
  std::vector<TimbreId> comp_timbres;  // for the additive comping styles
  int comp_center = 62;                // MIDI centre of the chord voicings
  std::vector<Lead> leads;
  std::vector<TimbreId> lead_timbres;
  double lead_p = 0.6;
  double lead_density_lo = 0.5, lead_density_hi = 1.5;  // notes per beat
  double repeat_p = 0.5;  // how strongly the lead repeats its phrase (pop high, jazz low)
  double distortion_lo = 0, distortion_hi = 0;  // drive on the guitar bus
  double reverb_lo = 0.05, reverb_hi = 0.2;
  double crackle_p = 0;
  double lofi_p = 0.05;
  double dynamics_depth = 0.1;      // slow swells over the track (classical: large)
  double snr_lo = 30, snr_hi = 50;  // noise floor below the music, dB
};

const std::vector<Style>& styles();  // in gtzan_genres() order

}  // namespace mgr::data::synth
