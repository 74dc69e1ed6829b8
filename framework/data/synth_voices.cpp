#include "framework/data/synth_voices.h"

#include <algorithm>
#include <cmath>

namespace mgr::data::synth {
namespace {

std::vector<float> saw(int n, double tilt = 1.0) {
  std::vector<float> h(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k)
    h[static_cast<size_t>(k)] = static_cast<float>(1.0 / det_pow(k + 1.0, tilt));
  return h;
}

std::vector<float> odd(int n) {
  std::vector<float> h(static_cast<size_t>(n), 0.f);
  for (int k = 0; k < n; k += 2) h[static_cast<size_t>(k)] = 1.f / static_cast<float>(k + 1);
  return h;
}

}  // namespace

Timbre make_timbre(TimbreId id, Rng& rng) {
  Timbre t;
  switch (id) {
    case TimbreId::Sine:
      t.harm = {1.f, 0.04f};
      t.attack = 0.01;
      t.release = 0.1;
      break;
    case TimbreId::SoftPad:
      t.harm = saw(6, 2.0);
      t.attack = rng.uniform(0.25, 0.6);
      t.release = 0.5;
      t.vib_depth = 0.002;
      t.detune_cents = rng.uniform(4, 9);
      break;
    case TimbreId::Strings:
      t.harm = saw(12);
      t.cutoff_hz = rng.uniform(1800, 3200);
      t.attack = rng.uniform(0.1, 0.3);
      t.release = 0.3;
      t.vib_depth = rng.uniform(0.003, 0.006);
      t.vib_rate = rng.uniform(4.8, 6.2);
      t.detune_cents = rng.uniform(5, 10);
      break;
    case TimbreId::Piano:
      t.harm = saw(12, 1.4);
      t.cutoff_hz = rng.uniform(2500, 5000);
      t.attack = 0.003;
      t.decay = rng.uniform(0.5, 1.2);
      t.sustain = 0.0;
      t.release = 0.12;
      t.harm_damp = rng.uniform(1.0, 2.5);
      break;
    case TimbreId::EPiano:
      t.harm = {1.f, 0.2f, 0.04f, 0.14f, 0.f, 0.03f, 0.f, 0.02f};
      t.attack = 0.003;
      t.decay = rng.uniform(0.6, 1.4);
      t.sustain = 0.1;
      t.release = 0.15;
      t.harm_damp = 2.0;
      t.vib_depth = 0.0015;
      break;
    case TimbreId::Organ:
      t.harm = {1.f, 0.8f, 0.5f, 0.6f, 0.f, 0.4f, 0.f, 0.3f};
      t.attack = 0.01;
      t.release = 0.05;
      t.vib_depth = rng.uniform(0.001, 0.003);
      t.vib_rate = rng.uniform(5.5, 7.0);
      break;
    case TimbreId::SynthSaw:
      t.harm = saw(16);
      t.cutoff_hz = rng.uniform(1500, 4500);
      t.attack = 0.01;
      t.decay = 0.3;
      t.sustain = 0.7;
      t.release = 0.1;
      t.detune_cents = rng.uniform(0, 12);
      break;
    case TimbreId::Square:
      t.harm = odd(15);
      t.cutoff_hz = rng.uniform(2500, 5000);
      t.attack = 0.01;
      t.release = 0.06;
      break;
    case TimbreId::Brass:
      t.harm = saw(12);
      t.cutoff_hz = rng.uniform(1200, 2400);
      t.attack = rng.uniform(0.03, 0.07);
      t.decay = 0.4;
      t.sustain = 0.8;
      t.release = 0.08;
      t.vib_depth = 0.003;
      break;
    case TimbreId::Sax:
      t.harm = {1.f, 0.75f, 0.55f, 0.45f, 0.3f, 0.25f, 0.2f, 0.12f, 0.1f, 0.08f};
      t.cutoff_hz = rng.uniform(2200, 3500);
      t.attack = 0.03;
      t.release = 0.07;
      t.vib_depth = rng.uniform(0.004, 0.008);
      t.vib_rate = rng.uniform(4.5, 5.5);
      break;
    case TimbreId::Bell:
      t.harm = {1.f, 0.f, 0.f, 0.5f, 0.f, 0.f, 0.f, 0.3f};
      t.attack = 0.002;
      t.decay = rng.uniform(0.4, 0.9);
      t.sustain = 0.0;
      t.release = 0.2;
      t.harm_damp = 0.5;
      break;
    case TimbreId::SubBass:
      t.harm = {1.f, 0.12f, 0.03f};
      t.attack = 0.005;
      t.decay = rng.uniform(0.4, 1.2);
      t.sustain = 0.5;
      t.release = 0.06;
      break;
    case TimbreId::FingerBass:
      t.harm = {1.f, 0.55f, 0.3f, 0.18f, 0.1f, 0.06f};
      t.cutoff_hz = rng.uniform(700, 1400);
      t.attack = 0.004;
      t.decay = rng.uniform(0.3, 0.7);
      t.sustain = 0.35;
      t.release = 0.05;
      t.harm_damp = 1.5;
      break;
    case TimbreId::SynthBass:
      t.harm = saw(12);
      t.cutoff_hz = rng.uniform(500, 1100);
      t.attack = 0.004;
      t.decay = 0.2;
      t.sustain = 0.6;
      t.release = 0.04;
      break;
    case TimbreId::CleanGuitar:
      t.harm = saw(10, 1.2);
      t.cutoff_hz = rng.uniform(2500, 4500);
      t.attack = 0.002;
      t.decay = rng.uniform(0.4, 0.9);
      t.sustain = 0.0;
      t.release = 0.05;
      t.harm_damp = 3.0;
      break;
    case TimbreId::PowerSaw:
      t.harm = saw(14);
      t.cutoff_hz = rng.uniform(2000, 3500);
      t.attack = 0.003;
      t.decay = 0.5;
      t.sustain = 0.7;
      t.release = 0.03;
      break;
    case TimbreId::Fiddle:
      t.harm = saw(12, 0.9);
      t.cutoff_hz = rng.uniform(2500, 4000);
      t.attack = 0.04;
      t.release = 0.08;
      t.vib_depth = rng.uniform(0.005, 0.009);
      t.vib_rate = rng.uniform(5.5, 6.5);
      break;
  }
  return t;
}

namespace {
constexpr int kTable = 2048;
// Damped-table reference time: harmonic k has decayed by exp(-harm_damp * k * kDampRef) there.
constexpr double kDampRef = 0.4;
}  // namespace

Instrument::Instrument(const Timbre& t, int sr) : t_(t), sr_(sr) {}

const Instrument::Tables& Instrument::tables(double midi) {
  const auto key = static_cast<int64_t>(std::llround(midi * 64));
  for (const auto& [k, tab] : cache_) {
    if (k == key) return tab;
  }
  const double f0 = midi_hz(midi);
  // Harmonic amplitudes after the lowpass; drop the inaudible and the aliasing ones.
  std::vector<double> amps;
  for (size_t k = 0; k < t_.harm.size(); ++k) {
    const double fk = f0 * static_cast<double>(k + 1);
    if (fk >= 0.45 * sr_) break;
    double a = t_.harm[k];
    if (t_.cutoff_hz > 0) {
      const double r = fk / t_.cutoff_hz;
      a /= 1.0 + r * r;
    }
    amps.push_back(a);
  }
  Tables tab;
  auto build = [&](double damp_time) {
    std::vector<float> w(kTable + 1, 0.f);
    for (size_t k = 0; k < amps.size(); ++k) {
      double a = amps[k];
      if (damp_time > 0) a *= det_exp(-t_.harm_damp * static_cast<double>(k) * damp_time);
      if (std::abs(a) < 1e-4) continue;
      for (int i = 0; i < kTable; ++i) {
        const auto phase =
            static_cast<double>((static_cast<int64_t>(i) * static_cast<int64_t>(k + 1)) % kTable) /
            kTable;
        w[static_cast<size_t>(i)] += static_cast<float>(a) * sin_cycles(phase);
      }
    }
    w[kTable] = w[0];
    return w;
  };
  tab.bright = build(0);
  if (t_.harm_damp > 0) tab.dark = build(kDampRef);
  cache_.emplace_back(key, std::move(tab));
  return cache_.back().second;
}

void Instrument::note(std::vector<float>& out, double start_sample, double gate, double midi,
                      float amp, double glide) {
  const auto n_total = static_cast<int64_t>(out.size());
  const auto start = static_cast<int64_t>(start_sample);
  if (start >= n_total || gate <= 0) return;
  const int sr = sr_;
  const Timbre& t = t_;
  const Tables& tab = tables(midi);
  const float* bright = tab.bright.data();
  const float* dark = tab.dark.empty() ? nullptr : tab.dark.data();
  const auto len = static_cast<int64_t>((gate + t.release) * sr);
  const int64_t end = std::min(n_total, start + len);
  const double f0 = midi_hz(midi);

  const int64_t attack_n = std::max<int64_t>(1, static_cast<int64_t>(t.attack * sr));
  const int64_t gate_n = std::max<int64_t>(attack_n, static_cast<int64_t>(gate * sr));
  const int64_t release_n = std::max<int64_t>(1, len - gate_n);
  const double decay_mul = t.decay > 0 ? det_exp(-1.0 / (t.decay * sr)) : 1.0;
  const double glide_mul = glide != 0 ? det_exp(-1.0 / (0.02 * sr)) : 1.0;
  const double detune = t.detune_cents > 0 ? det_pow(2.0, t.detune_cents / 1200.0) : 0.0;
  // The crossfade weight towards the damped table approaches 1 with time constant kDampRef.
  const float dark_mul = static_cast<float>(det_exp(-1.0 / (kDampRef * sr)));

  auto lookup = [](const float* w, double phase) {
    const double p = phase * kTable;
    const auto i = static_cast<int>(p);
    const float f = static_cast<float>(p - i);
    return w[i] + f * (w[i + 1] - w[i]);
  };
  double phase = 0, phase2 = 0.37, vib_phase = 0;
  double dec = 1.0, bend = glide;
  float rel_level = 1.f, bright_w = 1.f;
  const double inv_sr = 1.0 / sr;
  for (int64_t i = 0; start + i < end; ++i) {
    // Envelope: linear attack, exponential decay to sustain, linear release from where it is.
    double env;
    if (i < attack_n) {
      env = static_cast<double>(i) / attack_n;
    } else {
      env = t.sustain + (1.0 - t.sustain) * dec;
      dec *= decay_mul;
    }
    if (i >= gate_n) {
      if (i == gate_n) rel_level = static_cast<float>(env);
      env = rel_level * (1.0 - static_cast<double>(i - gate_n) / release_n);
    }
    double f = f0;
    if (t.vib_depth > 0) {
      f *= 1.0 + t.vib_depth * sin_cycles(vib_phase);
      vib_phase += t.vib_rate * inv_sr;
      if (vib_phase >= 1.0) vib_phase -= 1.0;
    }
    if (bend != 0) {
      f *= 1.0 + bend * 0.0578;  // ~ 2^(bend/12) for small bends, cheap per sample
      bend *= glide_mul;
    }
    phase += f * inv_sr;
    if (phase >= 1.0) phase -= 1.0;
    float s = lookup(bright, phase);
    if (dark) s = bright_w * s + (1.f - bright_w) * lookup(dark, phase);
    if (detune > 0) {
      phase2 += f * detune * inv_sr;
      if (phase2 >= 1.0) phase2 -= 1.0;
      float s2 = lookup(bright, phase2);
      if (dark) s2 = bright_w * s2 + (1.f - bright_w) * lookup(dark, phase2);
      s = 0.5f * (s + s2);
    }
    bright_w *= dark_mul;
    if (start + i >= 0) out[static_cast<size_t>(start + i)] += amp * static_cast<float>(env) * s;
  }
}

void add_pluck(std::vector<float>& out, int sr, double start_sample, double midi, float amp,
               double ring, double brightness, Rng& rng) {
  const auto n_total = static_cast<int64_t>(out.size());
  const auto start = static_cast<int64_t>(start_sample);
  if (start >= n_total) return;
  const double f0 = midi_hz(midi);
  const int period = std::max(2, static_cast<int>(sr / f0 + 0.5));
  // The excitation: noise, smoothed more for a darker string.
  std::vector<float> line(static_cast<size_t>(period));
  float lp = 0.f;
  const float b = static_cast<float>(std::clamp(brightness, 0.05, 1.0));
  for (auto& v : line) {
    lp += b * (rng.noise() - lp);
    v = lp;
  }
  float mean = 0.f;
  for (float v : line) mean += v;
  mean /= static_cast<float>(period);
  for (auto& v : line) v -= mean;
  const auto len = static_cast<int64_t>(ring * sr);
  // Loss per round trip so that the level falls 60 dB over `ring` seconds.
  const float rho = static_cast<float>(det_pow(0.001, static_cast<double>(period) / (ring * sr)));
  const int64_t end = std::min(n_total, start + len);
  const int64_t fade = std::max<int64_t>(1, std::min<int64_t>(len / 4, sr / 50));
  size_t pos = 0;
  for (int64_t i = 0; start + i < end; ++i) {
    const size_t nxt = pos + 1 == line.size() ? 0 : pos + 1;
    const float y = line[pos];
    line[pos] = rho * 0.5f * (y + line[nxt]);
    pos = nxt;
    if (start + i < 0) continue;
    float g = amp;
    if (i > len - fade) g *= static_cast<float>(len - i) / static_cast<float>(fade);
    out[static_cast<size_t>(start + i)] += g * y;
  }
}

void add_sample(std::vector<float>& out, const std::vector<float>& shot, double start_sample,
                float gain) {
  const auto start = static_cast<int64_t>(start_sample);
  const auto n = static_cast<int64_t>(out.size());
  for (int64_t i = std::max<int64_t>(0, -start);
       i < static_cast<int64_t>(shot.size()) && start + i < n; ++i) {
    out[static_cast<size_t>(start + i)] += gain * shot[static_cast<size_t>(i)];
  }
}

DrumKit make_drum_kit(int sr, Rng& rng, double boom, double brightness) {
  DrumKit kit;
  const double hat_cut = std::min(0.42 * sr, rng.uniform(6000, 8500) * (0.8 + 0.4 * brightness));
  {  // kick: sine sweeping down from ~120-170 Hz to ~40-60 Hz
    const double decay = rng.uniform(0.12, 0.3) + boom * rng.uniform(0.3, 0.6);
    const double f_hi = rng.uniform(110, 170), f_lo = rng.uniform(42, 60) - 8 * boom;
    const double sweep = rng.uniform(0.02, 0.05);
    const auto n = static_cast<size_t>(decay * 5 * sr);
    kit.kick.resize(n);
    double phase = 0, sweep_env = 1, amp_env = 1;
    const double sweep_mul = det_exp(-1.0 / (sweep * sr)), amp_mul = det_exp(-1.0 / (decay * sr));
    for (size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / sr;
      const double f = f_lo + (f_hi - f_lo) * sweep_env;
      sweep_env *= sweep_mul;
      phase += f / sr;
      float v = static_cast<float>(amp_env) * sin_cycles(phase);
      amp_env *= amp_mul;
      if (i < static_cast<size_t>(0.004 * sr))
        v += 0.3f * rng.noise() * (1.f - static_cast<float>(t / 0.004));
      kit.kick[i] = v;
    }
    // Distortion-free soft saturation gives the 808 its weight without clipping.
    for (auto& v : kit.kick) v = soft_clip(1.5f * v) * 0.85f;
  }
  {  // snare: band-limited noise burst plus a 160-250 Hz tone
    const double nd = rng.uniform(0.07, 0.18), td = rng.uniform(0.04, 0.08);
    const double tone = rng.uniform(160, 250);
    const auto n = static_cast<size_t>(nd * 5 * sr);
    std::vector<float> noise(n);
    for (auto& v : noise) v = rng.noise();
    one_pole_highpass(noise, rng.uniform(400, 1500), sr);
    one_pole_lowpass(noise, std::min(0.45 * sr, rng.uniform(5000, 9000)), sr);
    kit.snare.resize(n);
    const float mix = static_cast<float>(rng.uniform(0.3, 0.6));
    double ne = 1, te = 1;
    const double n_mul = det_exp(-1.0 / (nd * sr)), t_mul = det_exp(-1.0 / (td * sr));
    for (size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / sr;
      kit.snare[i] = static_cast<float>(ne) * noise[i] * 1.4f +
                     mix * static_cast<float>(te) * sin_cycles(tone * t);
      ne *= n_mul;
      te *= t_mul;
    }
  }
  auto noise_shot = [&](double decay, double cut, double len_factor) {
    const auto n = static_cast<size_t>(decay * len_factor * sr);
    std::vector<float> v(n);
    for (auto& x : v) x = rng.noise();
    one_pole_highpass(v, cut, sr);
    one_pole_highpass(v, cut, sr);
    const double mul = det_exp(-1.0 / (decay * sr));
    double env = 1;
    for (size_t i = 0; i < n; ++i, env *= mul) v[i] *= static_cast<float>(env);
    return v;
  };
  kit.hat = noise_shot(rng.uniform(0.015, 0.045), hat_cut, 5);
  kit.open_hat = noise_shot(rng.uniform(0.15, 0.3), hat_cut, 4);
  kit.crash = noise_shot(rng.uniform(0.8, 1.4), hat_cut * 0.6, 3);
  {  // ride: quiet noise wash plus inharmonic bell partials
    kit.ride = noise_shot(rng.uniform(0.4, 0.7), hat_cut * 0.8, 3);
    const double base = rng.uniform(380, 520);
    const double ratios[4] = {1.0, 1.48, 2.15, 2.79};
    const double mul = det_exp(-1.0 / (0.5 * sr));
    double env = 1;
    for (size_t i = 0; i < kit.ride.size(); ++i, env *= mul) {
      const double t = static_cast<double>(i) / sr;
      float bell = 0.f;
      for (double r : ratios) bell += sin_cycles(base * r * t);
      kit.ride[i] = 0.5f * kit.ride[i] + 0.12f * bell * static_cast<float>(env);
    }
  }
  {  // clap: three short bursts 10 ms apart, then a tail, band-passed around 1-2 kHz
    const auto n = static_cast<size_t>(0.25 * sr);
    kit.clap.assign(n, 0.f);
    const auto burst_len = static_cast<size_t>(0.01 * sr);
    const double burst_mul = det_exp(-1.0 / (0.003 * sr)), tail_mul = det_exp(-1.0 / (0.06 * sr));
    double env = 1;
    for (size_t i = 0; i < n; ++i) {
      if (i < 3 * burst_len && i % burst_len == 0) env = 1;  // each of the three hand claps
      kit.clap[i] = static_cast<float>(env) * rng.noise();
      env *= i < 3 * burst_len ? burst_mul : tail_mul;
    }
    one_pole_highpass(kit.clap, 900, sr);
    one_pole_lowpass(kit.clap, std::min(0.45 * sr, 2500.0), sr);
    for (auto& v : kit.clap) v *= 2.5f;
  }
  return kit;
}

}  // namespace mgr::data::synth
