#include "framework/data/synthetic.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "framework/data/audio_io.h"
#include "framework/data/dataset.h"
#include "framework/data/synthetic_styles.h"
#include "kernels/error.h"

namespace fs = std::filesystem;

namespace mgr::data {
namespace {

using namespace synth;  // NOLINT: the synthesiser's vocabulary is used throughout this file

constexpr double kBorrowP = 0.12;  // chance, per element, of taking it from another genre

// Note positions: 16 steps per 4/4 bar, with swing and a small human timing error.
struct Grid {
  double samples_per_beat;
  double swing8, swing16;
  double start;   // sample position of step 0 (negative: the track starts mid-bar)
  double jitter;  // timing error, samples (uniform +-)
  double at(int64_t step, Rng& rng) const {
    const int64_t beat = step / 4;
    const int p = static_cast<int>(step % 4);
    double pos = p;
    if (p == 2) pos += swing8 * (2.0 / 3.0);
    if (p == 1) pos += swing16 / 3.0;
    if (p == 3) pos += (swing8 + swing16) / 3.0;
    return start + (static_cast<double>(beat) + pos / 4.0) * samples_per_beat +
           jitter * (2.0 * rng.uniform() - 1.0);
  }
  double steps_to_seconds(double steps, int sr) const {
    return steps * samples_per_beat / 4.0 / sr;
  }
};

// Places the chord's pitch classes nearest to `center` (a close voicing); power chords keep
// their stacked shape.
std::vector<int> voice_chord(int key, const Chord& c, int center) {
  std::vector<int> notes;
  const int root_pc = (key + c.root) % 12;
  const bool stacked = std::find(c.iv.begin(), c.iv.end(), 12) != c.iv.end();
  if (stacked) {
    int root = center - 6 + ((root_pc - (center - 6)) % 12 + 12) % 12;
    for (int iv : c.iv) notes.push_back(root + iv);
    return notes;
  }
  for (int iv : c.iv) {
    const int pc = (root_pc + iv) % 12;
    notes.push_back(center - 6 + ((pc - (center - 6)) % 12 + 12) % 12);
  }
  std::sort(notes.begin(), notes.end());
  return notes;
}

int bass_root(int key, const Chord& c) {
  int m = 36 + (key + c.root) % 12;
  if (m > 42) m -= 12;
  return m;
}

float bus_rms(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return static_cast<float>(std::sqrt(s / std::max<size_t>(1, x.size())));
}

void mix_into(std::vector<float>& mix, std::vector<float>& bus, double db) {
  const float r = bus_rms(bus);
  if (r < 1e-9f) return;
  const float g = static_cast<float>(db_gain(db)) * 0.1f / r;
  for (size_t i = 0; i < mix.size(); ++i) mix[i] += g * bus[i];
}

void distort(std::vector<float>& bus, double drive, int sr) {
  if (drive <= 0) return;
  const float r = bus_rms(bus);
  if (r < 1e-9f) return;
  const float pre = static_cast<float>(drive) * 0.3f / r;
  for (auto& v : bus) v = soft_clip(pre * v);
  // A guitar cabinet rolls off the fizz above a few kHz.
  const double cab = std::min(0.45 * sr, 3500.0 + 300.0 * drive);
  one_pole_lowpass(bus, cab, sr);
  one_pole_lowpass(bus, cab, sr);
}

struct LeadNote {
  int step, len, degree;
  float vel;
};

std::vector<LeadNote> make_phrase(int steps, double density, Lead kind, Rng& rng) {
  std::vector<LeadNote> ph;
  const double mean_len = 4.0 / density;
  int degree = rng.range(0, 4);
  for (int t = 0; t < steps;) {
    int len;
    if (kind == Lead::Jazz) {
      len = rng.chance(0.7) ? 2 : rng.pick(std::vector<int>{1, 3, 4, 6});
    } else {
      const std::vector<int> lens = {1, 2, 2, 3, 4, 4, 6, 8};
      len = lens[0];
      double best = 1e9;
      for (int k = 0; k < 3; ++k) {  // best of three draws near the mean length
        const int c = rng.pick(lens);
        const double d = std::abs(c - mean_len) + rng.uniform(0, 1.5);
        if (d < best) best = d, len = c;
      }
    }
    len = std::min(len, steps - t);
    if (!rng.chance(kind == Lead::Blues ? 0.25 : 0.15)) {
      const std::vector<int> moves = {-2, -1, -1, 0, 1, 1, 2, 3, -3};
      degree = std::clamp(degree + rng.pick(moves), -3, 11);
      ph.push_back({t, len, degree, static_cast<float>(rng.uniform(0.7, 1.0))});
    }
    t += len;
  }
  return ph;
}

void mutate(std::vector<LeadNote>& ph, Rng& rng, double amount) {
  for (auto& n : ph) {
    if (rng.chance(amount)) n.degree = std::clamp(n.degree + rng.range(-2, 2), -3, 11);
  }
}

}  // namespace

std::vector<float> synthesize_track(int genre_index, int track_index, const SyntheticOptions& o) {
  const auto& all = styles();
  MGR_CHECK(
      genre_index >= 0 && genre_index < static_cast<int>(all.size()),
      "synthesize_track: genre index " << genre_index << " out of range [0, " << all.size() << ")");
  MGR_CHECK(track_index >= 0, "synthesize_track: negative track index " << track_index);
  MGR_CHECK(o.sample_rate >= 8000,
            "synthesize_track: sample_rate must be >= 8000, got " << o.sample_rate);
  MGR_CHECK(o.track_seconds > 0 && o.track_seconds <= 3600,
            "synthesize_track: track_seconds must be in (0, 3600], got " << o.track_seconds);
  const int sr = o.sample_rate;
  const auto n = static_cast<size_t>(std::llround(o.track_seconds * sr));
  uint64_t h = o.seed;
  splitmix64(h);
  h ^= 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(genre_index + 1);
  splitmix64(h);
  h ^= 0xd1b54a32d192ed03ULL * static_cast<uint64_t>(track_index + 1);
  Rng rng(splitmix64(h));

  const int g = genre_index;
  const Style& st = all[static_cast<size_t>(g)];
  auto source = [&]() -> const Style& {
    if (!rng.chance(kBorrowP)) return st;
    int other = rng.below(static_cast<int>(all.size()) - 1);
    if (other >= g) ++other;
    return all[static_cast<size_t>(other)];
  };
  const Style& tempo_src = source();
  const Style& drum_src = source();
  const Style& bass_src = source();
  const Style& comp_src = source();

  const double bpm = rng.uniform(tempo_src.bpm_lo, tempo_src.bpm_hi);
  Grid grid;
  grid.samples_per_beat = 60.0 / bpm * sr;
  grid.swing8 = rng.uniform(st.swing8_lo, st.swing8_hi);
  grid.swing16 = rng.uniform(st.swing16_lo, st.swing16_hi);
  grid.start = -rng.uniform(0, 4) * grid.samples_per_beat;
  grid.jitter = rng.uniform(0.001, 0.006) * sr;
  const int key = rng.below(12);
  const Progression& prog = rng.pick(st.progressions);
  const int bars_per_chord = rng.chance(st.slow_chords_p) ? 2 : 1;
  const auto n_bars =
      static_cast<int>((static_cast<double>(n) - grid.start) / (4 * grid.samples_per_beat)) + 1;
  auto chord_at = [&](int bar) -> const Chord& {
    return prog.chords[static_cast<size_t>(bar / bars_per_chord) % prog.chords.size()];
  };
  const double step_s = grid.steps_to_seconds(1, sr);

  std::vector<float> drums(n, 0.f), bass(n, 0.f), comp(n, 0.f), gtr(n, 0.f), lead(n, 0.f);

  // ---- drums ----------------------------------------------------------------------------------
  std::vector<int> kick_steps;  // the 808 bass follows the kick
  if (rng.chance(drum_src.drums_p) && !drum_src.patterns.empty()) {
    const DrumPattern& pat = rng.pick(drum_src.patterns);
    const DrumKit kit = make_drum_kit(sr, rng, drum_src.boom, rng.uniform());
    const float lv[7] = {1.f, 0.8f, 0.3f, 0.3f, 0.3f, 0.7f, 0.45f};
    float vol[7];
    for (int k = 0; k < 7; ++k) vol[k] = lv[k] * static_cast<float>(db_gain(rng.uniform(-3, 3)));
    const std::string* voices[6] = {&pat.kick,     &pat.snare, &pat.hat,
                                    &pat.open_hat, &pat.ride,  &pat.clap};
    const std::vector<float>* shots[6] = {&kit.kick,     &kit.snare, &kit.hat,
                                          &kit.open_hat, &kit.ride,  &kit.clap};
    for (int s = 0; s < 16; ++s) {
      if (!pat.kick.empty() && pat.kick[static_cast<size_t>(s)] == 'x') kick_steps.push_back(s);
    }
    for (int bar = 0; bar < n_bars; ++bar) {
      const bool fill = bar % 4 == 3 && rng.chance(drum_src.fill_p);
      if (bar % 4 == 0 && rng.chance(drum_src.crash_p)) {
        add_sample(drums, kit.crash, grid.at(bar * 16, rng), vol[6]);
      }
      for (int s = 0; s < 16; ++s) {
        const int64_t step = static_cast<int64_t>(bar) * 16 + s;
        for (int v = 0; v < 6; ++v) {
          const std::string& p = *voices[v];
          if (p.empty()) continue;
          char c = p[static_cast<size_t>(s)];
          if (fill && s >= 12 && v == 1) c = 'x';
          if (c == '.') continue;
          if (s != 0 && rng.chance(0.03)) continue;  // a human drops a note now and then
          const float vel = (c == 'g' ? 0.3f : 1.f) * static_cast<float>(rng.uniform(0.8, 1.0));
          add_sample(drums, *shots[v], grid.at(step, rng), vol[v] * vel);
        }
        if (s % 2 == 1 && rng.chance(0.02) && !pat.kick.empty()) {
          add_sample(drums, kit.kick, grid.at(step, rng), vol[0] * 0.6f);
        }
      }
    }
  }

  // ---- bass -----------------------------------------------------------------------------------
  const Bass bass_kind = rng.pick(bass_src.basses);
  Instrument bass_i(make_timbre(rng.pick(bass_src.bass_timbres), rng), sr);
  std::vector<std::pair<int, int>> riff;  // reggae: (step, semitones) repeated every bar
  if (bass_kind == Bass::Reggae) {
    const std::vector<int> cand = {0, 2, 3, 6, 8, 10, 11, 14};
    for (int s : cand) {
      if ((s == 0 && rng.chance(0.5)) || rng.chance(0.35)) continue;
      riff.push_back({s, rng.pick(std::vector<int>{0, 0, 7, 12, 10, 3, 5})});
    }
    if (riff.empty()) riff.push_back({2, 0});
  }
  std::vector<bool> chug_mask(16);
  for (auto&& m : chug_mask) m = !rng.chance(0.25);
  chug_mask[0] = true;
  for (int bar = 0; bar < n_bars && bass_kind != Bass::None; ++bar) {
    const Chord& c = chord_at(bar);
    const Chord& next = chord_at(bar + 1);
    const int r = bass_root(key, c);
    const int64_t b0 = static_cast<int64_t>(bar) * 16;
    auto note = [&](int step, double len_steps, int midi, float amp, double glide = 0) {
      bass_i.note(bass, grid.at(b0 + step, rng), len_steps * step_s, midi, amp, glide);
    };
    switch (bass_kind) {
      case Bass::Root8:
        for (int s = 0; s < 16; s += 2) note(s, 1.8, r + (rng.chance(0.1) ? 12 : 0), 1.f);
        break;
      case Bass::RootHalf:
        note(0, 7.5, r, 1.f);
        note(8, rng.chance(0.3) ? 3.5 : 7.5, r + (rng.chance(0.3) ? 7 : 0), 0.9f);
        break;
      case Bass::Walking: {
        const int tones[3] = {c.iv[1 % c.iv.size()], c.iv[2 % c.iv.size()], 12};
        note(0, 3.6, r, 1.f);
        note(4, 3.6, r + tones[rng.below(3)] - (rng.chance(0.3) ? 12 : 0), 0.9f);
        note(8, 3.6, r + tones[rng.below(3)] - (rng.chance(0.3) ? 12 : 0), 0.9f);
        note(12, 3.6, bass_root(key, next) + (rng.chance(0.5) ? 1 : -1), 0.85f);
        break;
      }
      case Bass::BoomChick:
        note(0, 3.5, r, 1.f);
        note(8, 3.5, r + (rng.chance(0.5) ? 7 : -5), 0.9f);
        if (rng.chance(0.3)) note(14, 1.8, r + 5, 0.7f);
        break;
      case Bass::Octave8:
        for (int s = 0; s < 16; s += 2) note(s, 1.5, r + ((s / 2) % 2 ? 12 : 0), 1.f);
        break;
      case Bass::Sub808: {
        const std::vector<int> hits = kick_steps.empty() ? std::vector<int>{0, 7, 10} : kick_steps;
        for (size_t k = 0; k < hits.size(); ++k) {
          const int end = k + 1 < hits.size() ? hits[k + 1] : 16;
          note(hits[k], std::max(1, end - hits[k]) - 0.3, r, 1.f, rng.chance(0.25) ? 2.0 : 0.0);
        }
        break;
      }
      case Bass::Reggae:
        for (size_t k = 0; k < riff.size(); ++k) {
          const int end = k + 1 < riff.size() ? riff[k + 1].first : 16;
          note(riff[k].first, std::max(1, end - riff[k].first) - 0.4, r + riff[k].second, 1.f);
        }
        break;
      case Bass::Chug16:
        for (int s = 0; s < 16; ++s) {
          if (chug_mask[static_cast<size_t>(s)])
            note(s, 0.7, r - (r > 38 ? 12 : 0) + 12, s % 4 == 0 ? 1.f : 0.75f);
        }
        break;
      case Bass::Sustain:
        if (bar % bars_per_chord == 0) note(0, 16.0 * bars_per_chord - 1, r, 1.f);
        break;
      case Bass::None:
        break;
    }
  }

  // ---- comping ----------------------------------------------------------------------------------
  const Comp comp_kind = rng.pick(comp_src.comps);
  Instrument comp_i(make_timbre(rng.pick(comp_src.comp_timbres), rng), sr);
  const Timbre& comp_t = comp_i.timbre();
  const int center = comp_src.comp_center + rng.range(-3, 3);
  const std::vector<std::vector<int>> rhythms = {
      {0, 4, 8, 12}, {0, 6, 8, 14}, {0, 8}, {0, 3, 6, 10, 12}, {0, 4, 6, 8, 12, 14}};
  const std::vector<int>& rhythm = rng.pick(rhythms);
  const int arp_rate = rng.chance(0.5) ? 2 : 1;  // eighths or sixteenths
  const int arp_shape = rng.below(3);
  const double strum_ring = rng.uniform(0.5, 1.4), strum_bright = rng.uniform(0.45, 0.9);
  std::vector<bool> chug(16);
  for (int s = 0; s < 16; ++s) chug[static_cast<size_t>(s)] = s % 2 == 0 || rng.chance(0.4);
  const double drive = comp_kind == Comp::PowerChug
                           ? rng.uniform(std::max(1.0, comp_src.distortion_lo),
                                         std::max(2.0, comp_src.distortion_hi))
                           : 0.0;
  for (int bar = 0; bar < n_bars; ++bar) {
    const Chord& c = chord_at(bar);
    const std::vector<int> v = voice_chord(key, c, center);
    const int64_t b0 = static_cast<int64_t>(bar) * 16;
    const float a = 0.5f / std::sqrt(static_cast<float>(v.size()));
    auto chord = [&](int step, double len_steps, float amp, std::vector<float>& bus) {
      const double t0 = grid.at(b0 + step, rng);
      for (int m : v) comp_i.note(bus, t0, len_steps * step_s, m, amp);
    };
    switch (comp_kind) {
      case Comp::Pad:
        if (bar % bars_per_chord == 0) chord(0, 16.0 * bars_per_chord - 0.5, a, comp);
        break;
      case Comp::PianoBlock:
        for (int s : rhythm) chord(s, 3.5, a * (s == 0 ? 1.f : 0.8f), comp);
        break;
      case Comp::Strum:
        for (int s : rhythm) {
          const bool up = s % 4 != 0;
          const double t0 = grid.at(b0 + s, rng);
          std::vector<int> strings = v;
          strings.insert(strings.begin(), v.front() - 12);
          if (up) std::reverse(strings.begin(), strings.end());
          const double gap = rng.uniform(0.006, 0.014) * sr;
          for (size_t k = 0; k < strings.size(); ++k) {
            add_pluck(comp, sr, t0 + static_cast<double>(k) * gap, strings[k],
                      a * (up ? 0.6f : 1.f), strum_ring, strum_bright, rng);
          }
        }
        break;
      case Comp::Skank:
        for (int s = 2; s < 16; s += 4) {
          if (comp_t.harm_damp >= 3.0) {  // a guitar: short muted plucks
            const double t0 = grid.at(b0 + s, rng);
            for (size_t k = 0; k < v.size(); ++k) {
              add_pluck(comp, sr, t0 + static_cast<double>(k) * 0.004 * sr, v[k] + 12, a, 0.18, 0.9,
                        rng);
            }
          } else {
            chord(s, 0.8, a, comp);
          }
        }
        break;
      case Comp::PowerChug:
        for (int s = 0; s < 16; ++s) {
          if (!chug[static_cast<size_t>(s)]) continue;
          const bool open = s == 0 || (s % 4 == 0 && rng.chance(0.3));
          chord(s, open ? 3.5 : 0.6, open ? a : a * 0.7f, gtr);
        }
        break;
      case Comp::Arpeggio: {
        std::vector<int> seq = v;
        if (arp_shape == 1) seq.insert(seq.end(), v.rbegin() + 1, v.rend() - 1);
        if (arp_shape == 2 && v.size() >= 3) seq = {v[0], v[2], v[1], v[2]};
        size_t k = 0;
        for (int s = 0; s < 16; s += arp_rate, ++k) {
          comp_i.note(comp, grid.at(b0 + s, rng), arp_rate * 1.5 * step_s, seq[k % seq.size()],
                      a * 1.4f);
        }
        break;
      }
      case Comp::JazzComp: {
        std::vector<int> rootless = v;
        if (rootless.size() >= 4) rootless.erase(rootless.begin());
        const std::vector<int> spots = {0, 3, 6, 8, 10, 11, 14};
        const int hits = rng.range(1, 3);
        for (int k = 0; k < hits; ++k) {
          const double t0 = grid.at(b0 + rng.pick(spots), rng);
          const double len = rng.uniform(1.5, 5.0) * step_s;
          for (int m : rootless) comp_i.note(comp, t0, len, m, a * 0.9f);
        }
        break;
      }
      case Comp::Stabs:
        // The comping rhythm pushed off the downbeats: stabs live on the "and"s.
        for (int s : rhythm) chord(std::min(15, s % 4 == 0 ? s + 2 : s), 1.2, a, comp);
        break;
    }
  }

  // ---- lead -------------------------------------------------------------------------------------
  double lead_drive = 0;
  if (rng.chance(st.lead_p)) {
    const Lead kind = rng.pick(st.leads);
    const TimbreId lead_id = rng.pick(st.lead_timbres);
    Instrument lead_i(make_timbre(lead_id, rng), sr);
    if ((lead_id == TimbreId::PowerSaw || lead_id == TimbreId::CleanGuitar) &&
        st.distortion_hi > 0) {
      lead_drive = rng.uniform(std::max(0.5, st.distortion_lo), st.distortion_hi);
    }
    const std::vector<int>& scale = prog.minor ? st.scale_minor : st.scale_major;
    const int base = 62 + key % 12 - (key % 12 > 5 ? 12 : 0) + 5;
    const double density = rng.uniform(st.lead_density_lo, st.lead_density_hi);
    const int phrase_bars = rng.pick(std::vector<int>{1, 2, 2, 4});
    std::vector<LeadNote> phrase = make_phrase(phrase_bars * 16, density, kind, rng);
    const int sc = static_cast<int>(scale.size());
    for (int bar0 = 0; bar0 < n_bars; bar0 += phrase_bars) {
      if (bar0 > 0) {
        if (rng.chance(st.repeat_p)) {
          mutate(phrase, rng, 0.15);
        } else {
          phrase = make_phrase(phrase_bars * 16, density, kind, rng);
        }
      }
      if (bar0 > 0 && rng.chance(0.25)) continue;  // leave space now and then
      for (const LeadNote& ln : phrase) {
        const int bar = bar0 + ln.step / 16;
        const int d = ln.degree;
        const int oct = d >= 0 ? d / sc : -((-d + sc - 1) / sc);
        int midi = base + scale[static_cast<size_t>(d - oct * sc)] + 12 * oct;
        if (ln.step % 4 == 0) {  // strong beats land on a chord tone
          const Chord& c = chord_at(bar);
          int best = midi, best_d = 99;
          for (int iv : c.iv) {
            const int pc = (key + c.root + iv) % 12;
            for (int cand = midi - 6; cand <= midi + 6; ++cand) {
              if (((cand % 12) + 12) % 12 == pc && std::abs(cand - midi) < best_d)
                best = cand, best_d = std::abs(cand - midi);
            }
          }
          midi = best;
        }
        const double glide = kind == Lead::Blues && rng.chance(0.35) ? -rng.range(1, 2) : 0.0;
        lead_i.note(lead, grid.at(static_cast<int64_t>(bar0) * 16 + ln.step, rng),
                    (ln.len - 0.3) * step_s, midi, ln.vel, glide);
      }
    }
  }

  // ---- mix and production -----------------------------------------------------------------------
  distort(gtr, drive, sr);
  distort(lead, lead_drive, sr);
  std::vector<float> mix(n, 0.f);
  mix_into(mix, drums, st.drums_db + rng.uniform(-3, 3));
  mix_into(mix, bass, st.bass_db + rng.uniform(-3, 3));
  mix_into(mix, comp, -3 + rng.uniform(-3, 3));
  mix_into(mix, gtr, -1 + rng.uniform(-3, 3));
  mix_into(mix, lead, -2 + rng.uniform(-4, 3));

  // Slow swells (classical phrasing; a little everywhere).
  const double depth = std::min(0.9, st.dynamics_depth * rng.uniform(0.5, 1.2));
  const double period = rng.uniform(6, 20), phase0 = rng.uniform();
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    mix[i] *= static_cast<float>(1.0 - depth * (0.5 + 0.5 * sin_cycles(t / period + phase0)));
  }
  add_reverb(mix, sr, rng.uniform(0.3, 0.9), rng.uniform(0.2, 0.6),
             rng.uniform(st.reverb_lo, st.reverb_hi));
  if (rng.chance(st.lofi_p))
    one_pole_lowpass(mix, std::min(0.45 * sr, rng.uniform(2500, 5000)), sr);
  if (rng.chance(0.3)) one_pole_lowpass(mix, std::min(0.45 * sr, rng.uniform(5000, 10000)), sr);
  one_pole_highpass(mix, 25, sr);

  // Noise floor, and vinyl (clicks, hiss, hum) for old records.
  const float rms = std::max(1e-6f, bus_rms(mix));
  const float floor_amp =
      rms * static_cast<float>(db_gain(-rng.uniform(st.snr_lo, st.snr_hi))) * 1.7f;
  for (auto& v : mix) v += floor_amp * rng.noise();
  if (rng.chance(st.crackle_p)) {
    const double rate = rng.uniform(4, 25);  // clicks per second
    const float click = rms * static_cast<float>(rng.uniform(1.5, 4));
    const float hum = rms * static_cast<float>(db_gain(-rng.uniform(28, 40)));
    const double hum_hz = rng.chance(0.5) ? 50 : 60;
    std::vector<float> hiss(n);
    for (auto& v : hiss) v = rng.noise();
    one_pole_lowpass(hiss, 3000, sr);
    const float hiss_amp = rms * static_cast<float>(db_gain(-rng.uniform(22, 32))) * 3.f;
    for (size_t i = 0; i < n; ++i) {
      mix[i] += hiss_amp * hiss[i] + hum * sin_cycles(hum_hz * static_cast<double>(i) / sr);
      if (rng.chance(rate / sr)) {
        const float a =
            click * static_cast<float>(rng.uniform(0.2, 1.0)) * (rng.chance(0.5) ? 1.f : -1.f);
        for (size_t k = 0; k < 12 && i + k < n; ++k)
          mix[i + k] += a * (1.f - static_cast<float>(k) / 12.f);
      }
    }
  }

  // Peak-normalise to a random level, so loudness alone says little about the genre.
  float peak = 0.f;
  for (float v : mix) peak = std::max(peak, std::abs(v));
  const float target = static_cast<float>(db_gain(rng.uniform(-12, -0.5)));
  const float gain = peak > 0 ? target / peak : 0.f;
  for (auto& v : mix) v = std::clamp(v * gain, -1.f, 1.f);
  return mix;
}

namespace {

std::string track_name(const std::string& genre, int i) {
  std::ostringstream os;
  os << genre << "." << std::setw(5) << std::setfill('0') << i << ".wav";
  return os.str();
}

nlohmann::json options_json(const SyntheticOptions& o) {
  return {{"generator", "mgr-synthetic-gtzan"},     {"version", kSyntheticGeneratorVersion},
          {"tracks_per_genre", o.tracks_per_genre}, {"track_seconds", o.track_seconds},
          {"sample_rate", o.sample_rate},           {"seed", o.seed}};
}

// True when <root>/corpus.json matches the options and every file it lists is there with the
// recorded size.
bool corpus_complete(const fs::path& root, const nlohmann::json& want, std::string* why) {
  const fs::path manifest = root / "corpus.json";
  if (!fs::exists(manifest)) {
    *why = "no manifest";
    return false;
  }
  nlohmann::json m;
  try {
    std::ifstream in(manifest);
    in >> m;
  } catch (const std::exception& e) {
    *why = std::string("unreadable manifest (") + e.what() + ")";
    return false;
  }
  if (!m.contains("options") || m["options"] != want) {
    *why = "manifest options differ";
    return false;
  }
  if (!m.contains("files") || !m["files"].is_array()) {
    *why = "manifest has no file list";
    return false;
  }
  for (const auto& f : m["files"]) {
    const fs::path p = root / f.at("path").get<std::string>();
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec || size != f.at("bytes").get<uint64_t>()) {
      *why = p.string() + " is missing or changed";
      return false;
    }
  }
  return true;
}

// An exclusive advisory lock (flock) on the corpus folder itself, made first when missing (an
// empty folder is what generation starts from anyway), held for the life of the object; none
// when the folder cannot be opened (the checks below then say why).
class CorpusLock {
 public:
  explicit CorpusLock(const std::string& root) {
    std::error_code ec;
    fs::create_directories(root, ec);
    fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~CorpusLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  CorpusLock(const CorpusLock&) = delete;
  CorpusLock& operator=(const CorpusLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

std::string ensure_synthetic_corpus(const SyntheticOptions& o, std::ostream& log) {
  MGR_CHECK(!o.root.empty(), "ensure_synthetic_corpus: root is empty");
  // The runs of a sweep or a job array may start on the same missing corpus at once: one
  // generates it while the others wait here, then find it complete.
  const CorpusLock corpus_lock(o.root);
  MGR_CHECK(o.tracks_per_genre > 0 && o.tracks_per_genre <= 99999,
            "ensure_synthetic_corpus: tracks_per_genre must be in [1, 99999], got "
                << o.tracks_per_genre);
  const fs::path root(o.root);
  const nlohmann::json want = options_json(o);
  std::string why;
  if (corpus_complete(root, want, &why)) {
    log << "synthetic corpus at " << o.root << " is complete (" << o.tracks_per_genre
        << " tracks per genre, seed " << o.seed << "); nothing to do\n";
    return o.root;
  }
  // Never overwrite a folder we did not make (a real GTZAN copy, say).
  const fs::path marker = root / ".mgr-synthetic-corpus";
  if (fs::exists(root)) {
    MGR_CHECK(fs::is_directory(root),
              "ensure_synthetic_corpus: '" << o.root << "' is not a folder");
    const bool empty = fs::directory_iterator(root) == fs::directory_iterator();
    MGR_CHECK(empty || fs::exists(marker) || fs::exists(root / "corpus.json"),
              "ensure_synthetic_corpus: '"
                  << o.root
                  << "' holds files but is not a synthetic corpus (no corpus.json or "
                     ".mgr-synthetic-corpus); refusing to overwrite it");
  }
  fs::create_directories(root);
  fs::remove(root / "corpus.json");  // invalid from here until the new one is complete
  { std::ofstream(marker) << "written by mgr::data::ensure_synthetic_corpus\n"; }
  log << "generating synthetic corpus at " << o.root << " (" << why << "): 10 genres x "
      << o.tracks_per_genre << " tracks x " << o.track_seconds << " s at " << o.sample_rate
      << " Hz, seed " << o.seed << "\n";

  const auto& genres = gtzan_genres();
  const int total = static_cast<int>(genres.size()) * o.tracks_per_genre;
  // Remove tracks of an earlier, larger corpus so the loader sees exactly this one.
  for (const auto& genre : genres) {
    const fs::path dir = root / genre;
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      const bool ours = name.rfind(genre + ".", 0) == 0 && e.path().extension() == ".wav";
      if (!ours) continue;
      const std::string number = name.substr(genre.size() + 1, name.size() - genre.size() - 5);
      const bool numeric =
          !number.empty() && std::all_of(number.begin(), number.end(),
                                         [](unsigned char ch) { return std::isdigit(ch) != 0; });
      if (numeric && std::stoi(number) >= o.tracks_per_genre) fs::remove(e.path());
    }
  }
  std::vector<uint64_t> bytes(static_cast<size_t>(total));
  std::vector<std::string> errors(static_cast<size_t>(total));
  std::atomic<int> next{0}, done{0};
  std::mutex log_mutex;
  auto worker = [&] {
    for (int k = next++; k < total; k = next++) {
      const int gi = k / o.tracks_per_genre, ti = k % o.tracks_per_genre;
      const std::string& genre = genres[static_cast<size_t>(gi)];
      const fs::path path = root / genre / track_name(genre, ti);
      try {
        const std::vector<float> audio = synthesize_track(gi, ti, o);
        const fs::path tmp = path.string() + ".tmp";
        write_wav(tmp.string(), audio, o.sample_rate);
        fs::rename(tmp, path);
        bytes[static_cast<size_t>(k)] = fs::file_size(path);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(k)] = e.what();
      }
      const int d = ++done;
      if (d % std::max(1, total / 10) == 0 || d == total) {
        std::lock_guard<std::mutex> lock(log_mutex);
        log << "synthesised " << d << "/" << total << " tracks\n";
        log.flush();
      }
    }
  };
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  const int threads = std::max(1, std::min(total, o.threads > 0 ? o.threads : std::max(1, hw)));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  for (const auto& e : errors) MGR_CHECK(e.empty(), "ensure_synthetic_corpus: " << e);

  nlohmann::json m;
  m["options"] = want;
  m["genres"] = genres;
  m["files"] = nlohmann::json::array();
  for (int k = 0; k < total; ++k) {
    const std::string& genre = genres[static_cast<size_t>(k / o.tracks_per_genre)];
    m["files"].push_back({{"path", genre + "/" + track_name(genre, k % o.tracks_per_genre)},
                          {"bytes", bytes[static_cast<size_t>(k)]}});
  }
  const fs::path tmp = root / "corpus.json.tmp";
  {
    std::ofstream out(tmp);
    out << m.dump(1) << "\n";
    MGR_CHECK(out.good(), "ensure_synthetic_corpus: cannot write " << tmp.string());
  }
  fs::rename(tmp, root / "corpus.json");
  log << "synthetic corpus complete: " << total << " tracks in " << o.root << "\n";
  return o.root;
}

}  // namespace mgr::data
