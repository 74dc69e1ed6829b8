#include "framework/data/synthetic_styles.h"

namespace mgr::data::synth {
namespace {

const std::vector<int> MAJ{0, 4, 7}, MIN{0, 3, 7}, DOM7{0, 4, 7, 10}, MAJ7{0, 4, 7, 11},
    MIN7{0, 3, 7, 10}, DOM9{0, 4, 7, 10, 14}, MIN9{0, 3, 7, 10, 14}, MAJ9{0, 4, 7, 11, 14},
    HDIM{0, 3, 6, 10}, POW{0, 7, 12}, DOM7B9{0, 4, 7, 10, 13}, SUS2{0, 2, 7};

const std::vector<int> kMajor{0, 2, 4, 5, 7, 9, 11}, kMinor{0, 2, 3, 5, 7, 8, 10},
    kDorian{0, 2, 3, 5, 7, 9, 10}, kMixo{0, 2, 4, 5, 7, 9, 10}, kMajPent{0, 2, 4, 7, 9},
    kMinPent{0, 3, 5, 7, 10}, kBlues{0, 3, 5, 6, 7, 10}, kPhrygian{0, 1, 3, 5, 7, 8, 10},
    kHarmMinor{0, 2, 3, 5, 7, 8, 11};

std::vector<Style> build() {
  std::vector<Style> s(10);
  using T = TimbreId;

  Style& blues = s[0];
  blues.bpm_lo = 70, blues.bpm_hi = 115;
  blues.swing8_lo = 0.6, blues.swing8_hi = 1.0;
  blues.patterns = {{"x.......x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
                    {"x.....x.x.......", "....x.......x..g", "", "", "x.x.x.x.x.x.x.x.", ""},
                    {"x...x...x...x...", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""}};
  blues.progressions = {{{{0, DOM7},
                          {0, DOM7},
                          {0, DOM7},
                          {0, DOM7},
                          {5, DOM7},
                          {5, DOM7},
                          {0, DOM7},
                          {0, DOM7},
                          {7, DOM7},
                          {5, DOM7},
                          {0, DOM7},
                          {7, DOM7}},
                         false},
                        {{{0, DOM7},
                          {5, DOM7},
                          {0, DOM7},
                          {0, DOM7},
                          {5, DOM7},
                          {5, DOM7},
                          {0, DOM7},
                          {0, DOM7},
                          {7, DOM9},
                          {5, DOM9},
                          {0, DOM7},
                          {7, DOM7}},
                         false},
                        {{{0, MIN7},
                          {0, MIN7},
                          {0, MIN7},
                          {0, MIN7},
                          {5, MIN7},
                          {5, MIN7},
                          {0, MIN7},
                          {0, MIN7},
                          {8, DOM7},
                          {7, DOM7},
                          {0, MIN7},
                          {7, DOM7}},
                         true}};
  blues.scale_major = kBlues, blues.scale_minor = kBlues;
  blues.basses = {Bass::Walking, Bass::BoomChick, Bass::Root8};
  blues.bass_timbres = {T::FingerBass, T::FingerBass, T::SubBass};
  blues.comps = {Comp::PianoBlock, Comp::Strum, Comp::Pad, Comp::Stabs};
  blues.comp_timbres = {T::Piano, T::Organ, T::EPiano, T::CleanGuitar};
  blues.leads = {Lead::Blues};
  blues.lead_timbres = {T::CleanGuitar, T::Sax, T::Organ, T::Brass};
  blues.lead_p = 0.85;
  blues.lead_density_lo = 0.7, blues.lead_density_hi = 2.0;
  blues.distortion_lo = 0.0, blues.distortion_hi = 2.5;
  blues.reverb_lo = 0.1, blues.reverb_hi = 0.3;
  blues.crackle_p = 0.6;
  blues.lofi_p = 0.35;
  blues.snr_lo = 22, blues.snr_hi = 40;

  Style& cl = s[1];
  cl.bpm_lo = 55, cl.bpm_hi = 130;
  cl.drums_p = 0.0;
  cl.progressions = {
      {{{0, MAJ}, {5, MAJ}, {7, DOM7}, {0, MAJ}}, false},
      {{{0, MAJ}, {9, MIN}, {2, MIN}, {7, DOM7}}, false},
      {{{0, MAJ}, {7, MAJ}, {9, MIN}, {4, MIN}, {5, MAJ}, {0, MAJ}, {5, MAJ}, {7, MAJ}}, false},
      {{{0, MIN}, {5, MIN}, {7, DOM7}, {0, MIN}}, true},
      {{{0, MIN}, {8, MAJ}, {2, HDIM}, {7, DOM7}}, true}};
  cl.scale_major = kMajor, cl.scale_minor = kHarmMinor;
  cl.slow_chords_p = 0.6;
  cl.basses = {Bass::Sustain, Bass::RootHalf, Bass::None};
  cl.bass_timbres = {T::Strings, T::Piano, T::Strings};
  cl.comps = {Comp::Pad, Comp::Arpeggio, Comp::Arpeggio, Comp::PianoBlock};
  cl.comp_timbres = {T::Strings, T::Piano, T::Piano, T::SoftPad, T::Organ};
  cl.comp_center = 64;
  cl.leads = {Lead::Melody};
  cl.lead_timbres = {T::Strings, T::Fiddle, T::Piano, T::Square, T::Sine};
  cl.lead_p = 0.8;
  cl.lead_density_lo = 0.5, cl.lead_density_hi = 2.0;
  cl.repeat_p = 0.5;
  cl.reverb_lo = 0.25, cl.reverb_hi = 0.55;
  cl.dynamics_depth = 0.7;
  cl.snr_lo = 35, cl.snr_hi = 60;

  Style& co = s[2];
  co.bpm_lo = 95, co.bpm_hi = 140;
  co.patterns = {{"x.......x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x.......x.......", "ggggxgggggggxggg", "", "", "", ""},
                 {"x...x...x...x...", "....x.......x...", "..x...x...x...x.", "", "", ""}};
  co.progressions = {{{{0, MAJ}, {5, MAJ}, {0, MAJ}, {7, MAJ}}, false},
                     {{{0, MAJ}, {0, MAJ}, {5, MAJ}, {7, DOM7}}, false},
                     {{{0, MAJ}, {5, MAJ}, {7, MAJ}, {0, MAJ}}, false},
                     {{{0, MAJ}, {9, MIN}, {5, MAJ}, {7, MAJ}}, false}};
  co.scale_major = kMajPent, co.scale_minor = kMinPent;
  co.basses = {Bass::BoomChick, Bass::BoomChick, Bass::Walking};
  co.bass_timbres = {T::FingerBass, T::SubBass};
  co.comps = {Comp::Strum, Comp::Strum, Comp::Arpeggio};
  co.comp_timbres = {T::CleanGuitar, T::Piano};
  co.comp_center = 60;
  co.leads = {Lead::Melody};
  co.lead_timbres = {T::Fiddle, T::CleanGuitar, T::Fiddle};
  co.lead_p = 0.7;
  co.lead_density_lo = 1.0, co.lead_density_hi = 2.5;
  co.reverb_lo = 0.05, co.reverb_hi = 0.2;

  Style& di = s[3];
  di.bpm_lo = 112, di.bpm_hi = 132;
  di.patterns = {
      {"x...x...x...x...", "....x.......x...", "xgxgxgxgxgxgxgxg", "..x...x...x...x.", "", ""},
      {"x...x...x...x...", "", "x.x.x.x.x.x.x.x.", "..x...x...x...x.", "", "....x.......x..."},
      {"x...x...x...x...", "....x.......x...", "", "..x...x...x...x.", "", "....x.......x..."}};
  di.crash_p = 0.4;
  di.fill_p = 0.2;
  di.progressions = {{{{0, MIN7}, {5, MIN7}}, true},
                     {{{0, MAJ7}, {9, MIN7}, {2, MIN7}, {7, DOM7}}, false},
                     {{{2, MIN7}, {7, DOM9}}, false},
                     {{{0, MIN9}, {0, MIN9}, {10, DOM7}, {8, MAJ7}}, true}};
  di.scale_major = kMajor, di.scale_minor = kDorian;
  di.basses = {Bass::Octave8, Bass::Octave8, Bass::Root8};
  di.bass_timbres = {T::FingerBass, T::SynthBass};
  di.comps = {Comp::Stabs, Comp::Pad, Comp::Strum};
  di.comp_timbres = {T::Strings, T::Brass, T::EPiano, T::SynthSaw};
  di.comp_center = 66;
  di.leads = {Lead::Melody};
  di.lead_timbres = {T::Strings, T::SynthSaw, T::Brass, T::Square};
  di.lead_p = 0.6;
  di.lead_density_lo = 1.0, di.lead_density_hi = 2.0;
  di.repeat_p = 0.8;
  di.reverb_lo = 0.1, di.reverb_hi = 0.25;

  Style& hh = s[4];
  hh.bpm_lo = 80, hh.bpm_hi = 100;
  hh.swing16_lo = 0.0, hh.swing16_hi = 0.6;
  hh.patterns = {
      {"x......x..x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
      {"x..x......x..x..", "....x..g....x...", "xxxxxxxxxxxxxxxx", "", "", ""},
      {"x.....xx..x.....", "....x.......x...", "x.x.x.x.x.xxx.x.", "", "", "....x.......x..."}};
  hh.boom = 1.0;
  hh.fill_p = 0.1;
  hh.progressions = {{{{0, MIN}, {8, MAJ}, {5, MIN}, {7, MIN}}, true},
                     {{{0, MIN7}, {5, MIN7}}, true},
                     {{{0, MIN}, {8, MAJ}, {3, MAJ}, {10, MAJ}}, true},
                     {{{0, MIN9}, {0, MIN9}, {8, MAJ7}, {8, MAJ7}}, true}};
  hh.scale_major = kMajPent, hh.scale_minor = kMinPent;
  hh.basses = {Bass::Sub808, Bass::Sub808, Bass::RootHalf};
  hh.bass_timbres = {T::SubBass, T::SubBass, T::SynthBass};
  hh.comps = {Comp::PianoBlock, Comp::Pad, Comp::JazzComp, Comp::Arpeggio};
  hh.comp_timbres = {T::EPiano, T::Piano, T::Bell, T::SoftPad, T::Strings};
  hh.comp_center = 62;
  hh.leads = {Lead::Melody};
  hh.lead_timbres = {T::Bell, T::Sine, T::SynthSaw, T::Sax};
  hh.lead_p = 0.45;
  hh.lead_density_lo = 0.5, hh.lead_density_hi = 1.2;
  hh.repeat_p = 0.85;
  hh.reverb_lo = 0.03, hh.reverb_hi = 0.15;
  hh.crackle_p = 0.3;
  hh.lofi_p = 0.5;

  Style& jz = s[5];
  jz.bpm_lo = 95, jz.bpm_hi = 200;
  jz.swing8_lo = 0.7, jz.swing8_hi = 1.0;
  jz.patterns = {
      {"g.........g.....", "......g.....g..g", "....x.......x...", "", "x...x.x.x...x.x.", ""},
      {"g.......g.......", "..g.....g.....g.", "....x.......x...", "", "x...x.x.x...x.x.", ""},
      {"", "g.g.g.g.g.g.g.g.", "....x.......x...", "", "x...x.x.x...x.x.", ""}};
  jz.fill_p = 0.2;
  jz.progressions = {{{{2, MIN7}, {7, DOM9}, {0, MAJ7}, {0, MAJ9}}, false},
                     {{{0, MAJ7}, {9, MIN7}, {2, MIN7}, {7, DOM7}}, false},
                     {{{4, MIN7}, {9, DOM7}, {2, MIN7}, {7, DOM9}}, false},
                     {{{2, HDIM}, {7, DOM7B9}, {0, MIN7}, {0, MIN9}}, true}};
  jz.scale_major = kMixo, jz.scale_minor = kDorian;
  jz.basses = {Bass::Walking};
  jz.bass_timbres = {T::FingerBass};
  jz.comps = {Comp::JazzComp, Comp::JazzComp, Comp::PianoBlock};
  jz.comp_timbres = {T::Piano, T::EPiano, T::Piano, T::CleanGuitar};
  jz.comp_center = 63;
  jz.leads = {Lead::Jazz};
  jz.lead_timbres = {T::Sax, T::Brass, T::Piano, T::Sax};
  jz.lead_p = 0.8;
  jz.lead_density_lo = 1.0, jz.lead_density_hi = 2.5;
  jz.repeat_p = 0.1;
  jz.reverb_lo = 0.12, jz.reverb_hi = 0.35;
  jz.crackle_p = 0.15;
  jz.lofi_p = 0.15;

  Style& me = s[6];
  me.bpm_lo = 140, me.bpm_hi = 190;
  me.patterns = {{"xxxxxxxxxxxxxxxx", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x.x.x.x.x.x.x.x.", ".x.x.x.x.x.x.x.x", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x.xx..xxx.xx..xx", "....x.......x...", "", "", "x.x.x.x.x.x.x.x.", ""},
                 {"x.x.....x.x.....", "........x.......", "x.x.x.x.x.x.x.x.", "", "", ""}};
  me.crash_p = 0.7;
  me.fill_p = 0.4;
  me.progressions = {{{{0, POW}, {8, POW}, {10, POW}, {0, POW}}, true},
                     {{{0, POW}, {1, POW}, {0, POW}, {10, POW}}, true},
                     {{{0, POW}, {0, POW}, {5, POW}, {3, POW}}, true},
                     {{{0, POW}, {6, POW}, {5, POW}, {1, POW}}, true}};
  me.scale_major = kPhrygian, me.scale_minor = kPhrygian;
  me.basses = {Bass::Chug16, Bass::Root8};
  me.bass_timbres = {T::SynthBass, T::FingerBass};
  me.comps = {Comp::PowerChug};
  me.comp_timbres = {T::PowerSaw};
  me.comp_center = 50;
  me.leads = {Lead::Melody};
  me.lead_timbres = {T::PowerSaw, T::SynthSaw};
  me.lead_p = 0.35;
  me.lead_density_lo = 2.0, me.lead_density_hi = 4.0;
  me.repeat_p = 0.4;
  me.distortion_lo = 6, me.distortion_hi = 18;
  me.reverb_lo = 0.05, me.reverb_hi = 0.15;

  Style& po = s[7];
  po.bpm_lo = 95, po.bpm_hi = 128;
  po.patterns = {
      {"x.....x.x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
      {"x...x...x...x...", "....x.......x...", "", "..x...x...x...x.", "", "....x.......x..."},
      {"x.....x...x.....", "", "xxxxxxxxxxxxxxxx", "", "", "....x.......x..."}};
  po.crash_p = 0.3;
  po.progressions = {{{{0, MAJ}, {7, MAJ}, {9, MIN}, {5, MAJ}}, false},
                     {{{9, MIN}, {5, MAJ}, {0, MAJ}, {7, MAJ}}, false},
                     {{{0, MAJ}, {9, MIN}, {5, MAJ}, {7, MAJ}}, false},
                     {{{0, SUS2}, {5, MAJ}, {9, MIN}, {7, MAJ}}, false}};
  po.scale_major = kMajPent, po.scale_minor = kMinPent;
  po.basses = {Bass::Root8, Bass::RootHalf, Bass::Octave8};
  po.bass_timbres = {T::SynthBass, T::FingerBass, T::SubBass};
  po.comps = {Comp::Pad, Comp::PianoBlock, Comp::Strum, Comp::Arpeggio};
  po.comp_timbres = {T::SynthSaw, T::Piano, T::SoftPad, T::EPiano};
  po.comp_center = 64;
  po.leads = {Lead::Melody};
  po.lead_timbres = {T::Square, T::Sine, T::SynthSaw, T::Bell};
  po.lead_p = 0.85;
  po.lead_density_lo = 1.0, po.lead_density_hi = 2.0;
  po.repeat_p = 0.9;
  po.reverb_lo = 0.1, po.reverb_hi = 0.3;

  Style& re = s[8];
  re.bpm_lo = 65, re.bpm_hi = 90;
  re.swing8_lo = 0.0, re.swing8_hi = 0.4;
  re.patterns = {{"........x.......", "........x.......", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x...x...x...x...", "........x.......", "xgxgxgxgxgxgxgxg", "", "", ""},
                 {"........x.......", "....g...x.....g.", "x.x.x.x.x.x.x.x.", "", "", ""}};
  re.fill_p = 0.15;
  re.progressions = {{{{0, MAJ}, {5, MAJ}}, false},
                     {{{0, MIN}, {5, MIN}}, true},
                     {{{0, MAJ}, {5, MAJ}, {7, MAJ}, {5, MAJ}}, false},
                     {{{0, MIN}, {10, MAJ}}, true}};
  re.scale_major = kMajPent, re.scale_minor = kMinPent;
  re.slow_chords_p = 0.4;
  re.basses = {Bass::Reggae};
  re.bass_timbres = {T::SubBass, T::FingerBass};
  re.comps = {Comp::Skank, Comp::Skank, Comp::Skank};
  re.comp_timbres = {T::CleanGuitar, T::Organ, T::EPiano};
  re.comp_center = 64;
  re.leads = {Lead::Melody};
  re.lead_timbres = {T::Organ, T::Brass, T::Sine, T::Sax};
  re.lead_p = 0.5;
  re.lead_density_lo = 0.5, re.lead_density_hi = 1.5;
  re.repeat_p = 0.7;
  re.reverb_lo = 0.15, re.reverb_hi = 0.35;
  re.lofi_p = 0.15;

  Style& ro = s[9];
  ro.bpm_lo = 100, ro.bpm_hi = 150;
  ro.patterns = {{"x.....x.x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x.x.....x.x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", "", "", ""},
                 {"x.......x.......", "....x.......x...", "", "", "x.x.x.x.x.x.x.x.", ""}};
  ro.crash_p = 0.5;
  ro.fill_p = 0.35;
  ro.progressions = {{{{0, POW}, {5, POW}, {7, POW}, {0, POW}}, false},
                     {{{0, MAJ}, {10, MAJ}, {5, MAJ}, {0, MAJ}}, false},
                     {{{9, MIN}, {5, MAJ}, {0, MAJ}, {7, MAJ}}, false},
                     {{{0, POW}, {8, POW}, {10, POW}, {0, POW}}, true}};
  ro.scale_major = kMajPent, ro.scale_minor = kMinPent;
  ro.basses = {Bass::Root8, Bass::Root8, Bass::BoomChick};
  ro.bass_timbres = {T::FingerBass, T::SynthBass};
  ro.comps = {Comp::PowerChug, Comp::PowerChug, Comp::Strum};
  ro.comp_timbres = {T::PowerSaw, T::CleanGuitar};
  ro.comp_center = 55;
  ro.leads = {Lead::Melody, Lead::Blues};
  ro.lead_timbres = {T::PowerSaw, T::CleanGuitar, T::Organ};
  ro.lead_p = 0.55;
  ro.lead_density_lo = 1.0, ro.lead_density_hi = 2.5;
  ro.repeat_p = 0.6;
  ro.distortion_lo = 1.5, ro.distortion_hi = 6;
  ro.reverb_lo = 0.08, ro.reverb_hi = 0.25;
  return s;
}

}  // namespace

const std::vector<Style>& styles() {
  static const std::vector<Style> s = build();
  return s;
}

}  // namespace mgr::data::synth
