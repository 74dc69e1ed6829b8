// Instrument voices for the synthetic corpus: additive tones with envelopes (pads, piano, organ,
// strings, brass, bass), Karplus-Strong plucked strings, and synthesised drum one-shots. Each
// function mixes into a float buffer at a sample position, clipping the note to the buffer.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/data/synth_dsp.h"

namespace mgr::data::synth {

struct Timbre {
  std::vector<float> harm;  // amplitude of harmonic k + 1 before the lowpass
  double cutoff_hz = 0;     // gentle 2nd-order lowpass on the harmonics; 0: none
  double attack = 0.005;    // seconds
  double decay = 0;         // exponential decay time constant towards `sustain` (0: none)
  double sustain = 1;
  double release = 0.05;
  double harm_damp = 0;  // extra decay rate per harmonic number per second (piano, guitar)
  double vib_depth = 0;  // vibrato depth as a fraction of frequency
  double vib_rate = 5;
  double detune_cents = 0;  // > 0: a second, detuned voice (chorus)
};

enum class TimbreId {
  Sine,
  SoftPad,
  Strings,
  Piano,
  EPiano,
  Organ,
  SynthSaw,
  Square,
  Brass,
  Sax,
  Bell,
  SubBass,
  FingerBass,
  SynthBass,
  CleanGuitar,
  PowerSaw,
  Fiddle
};

// A preset with per-track random variation (brightness, attack, vibrato).
Timbre make_timbre(TimbreId id, Rng& rng);

// A timbre bound to a sample rate. Each pitch is rendered from a single-cycle wavetable built
// once per (instrument, pitch) and reused for every later note at that pitch: a track plays a
// few dozen distinct pitches per instrument, so this is far cheaper than summing harmonics per
// sample. Per-harmonic damping (piano, guitar) is approximated by crossfading from the bright
// table to a damped one.
class Instrument {
 public:
  Instrument(const Timbre& t, int sr);
  // Mixes one note: `gate` seconds of attack/decay/sustain, then the release. `glide` starts the
  // pitch that many semitones away and slides to the target in ~60 ms (blues bends, slides).
  void note(std::vector<float>& out, double start_sample, double gate, double midi, float amp,
            double glide = 0);
  const Timbre& timbre() const { return t_; }

 private:
  struct Tables {
    std::vector<float> bright, dark;  // dark is empty when the timbre has no damping
  };
  const Tables& tables(double midi);
  Timbre t_;
  int sr_;
  std::vector<std::pair<int64_t, Tables>> cache_;  // keyed by pitch in 1/64 semitones
};

// Karplus-Strong plucked string ringing for `ring` seconds (60 dB); brightness in [0, 1].
void add_pluck(std::vector<float>& out, int sr, double start_sample, double midi, float amp,
               double ring, double brightness, Rng& rng);

// Adds a precomputed one-shot at a position with a gain.
void add_sample(std::vector<float>& out, const std::vector<float>& shot, double start_sample,
                float gain);

struct DrumKit {
  std::vector<float> kick, snare, hat, open_hat, ride, crash, clap;
};
// kick: decaying sine sweep; snare: noise burst + tone; hats: high-passed noise; ride: noise +
// inharmonic partials; clap: three noise bursts. `boom` in [0, 1] lengthens and lowers the kick
// towards an 808.
DrumKit make_drum_kit(int sr, Rng& rng, double boom, double brightness);

}  // namespace mgr::data::synth
