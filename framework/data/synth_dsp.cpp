#include "framework/data/synth_dsp.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/error.h"

namespace mgr::data::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLn2 = 0.69314718055994530942;
constexpr int kSinTable = 4096;

// sin on [-pi, pi] by its Taylor series (enough terms for double precision).
double series_sin(double x) {
  double term = x, sum = x;
  for (int n = 1; n < 30; ++n) {
    term *= -x * x / static_cast<double>((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}

const std::array<float, kSinTable + 1>& sin_table() {
  static const std::array<float, kSinTable + 1> t = [] {
    std::array<float, kSinTable + 1> a{};
    for (int i = 0; i <= kSinTable; ++i) {
      double x = 2.0 * kPi * i / kSinTable;
      if (x > kPi) x -= 2.0 * kPi;
      a[static_cast<size_t>(i)] = static_cast<float>(series_sin(x));
    }
    return a;
  }();
  return t;
}

}  // namespace

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

uint64_t Rng::next() {
  const auto rotl = [](uint64_t v, int k) { return (v << k) | (v >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
int Rng::below(int n) {
  MGR_CHECK(n >= 1, "Rng::below: n must be >= 1, got " << n);
  const uint64_t un = static_cast<uint64_t>(n);
  const uint64_t threshold = (0 - un) % un;
  for (;;) {
    const uint64_t r = next();
    if (r >= threshold) return static_cast<int>(r % un);
  }
}
int Rng::range(int lo, int hi) { return lo + below(hi - lo + 1); }
bool Rng::chance(double p) { return uniform() < p; }
float Rng::noise() { return static_cast<float>(2.0 * uniform() - 1.0); }
double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * det_log(u1)) * static_cast<double>(sin_cycles(u2 + 0.25));
}

double det_exp(double x) {
  if (x < -700) return 0.0;
  MGR_CHECK(x < 700, "det_exp overflow: " << x);
  const double k = std::floor(x / kLn2 + 0.5);
  const double r = x - k * kLn2;  // |r| <= ln2 / 2
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 20; ++n) {
    term *= r / n;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

double det_log(double x) {
  MGR_CHECK(x > 0, "det_log of non-positive " << x);
  int e = 0;
  double m = std::frexp(x, &e);  // x = m 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m *= 2.0;
    --e;
  }
  // log(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172
  const double z = (m - 1.0) / (m + 1.0);
  const double z2 = z * z;
  double term = z, sum = 0.0;
  for (int n = 0; n < 30; ++n) {
    sum += term / (2 * n + 1);
    term *= z2;
  }
  return 2.0 * sum + e * kLn2;
}

double det_pow(double base, double e) { return det_exp(e * det_log(base)); }
double midi_hz(double midi) { return 440.0 * det_exp((midi - 69.0) / 12.0 * kLn2); }
double db_gain(double db) { return det_exp(db / 20.0 * 2.302585092994045684); }

float sin_cycles(double cycles) {
  const auto& t = sin_table();
  const double p = (cycles - std::floor(cycles)) * kSinTable;
  const int i = static_cast<int>(p);
  const float f = static_cast<float>(p - i);
  const float a = t[static_cast<size_t>(i)];
  return a + f * (t[static_cast<size_t>(i) + 1] - a);
}

void one_pole_lowpass(std::vector<float>& x, double cutoff_hz, int sr) {
  const float a = static_cast<float>(1.0 - det_exp(-2.0 * kPi * cutoff_hz / sr));
  float y = 0.f;
  for (float& v : x) {
    y += a * (v - y);
    v = y;
  }
}

void one_pole_highpass(std::vector<float>& x, double cutoff_hz, int sr) {
  const float a = static_cast<float>(1.0 - det_exp(-2.0 * kPi * cutoff_hz / sr));
  float low = 0.f;
  for (float& v : x) {
    low += a * (v - low);
    v -= low;
  }
}

void add_reverb(std::vector<float>& x, int sr, double room, double damping, double wet) {
  if (wet <= 0) return;
  // Freeverb's comb and allpass lengths (tuned at 44.1 kHz), scaled to the sample rate.
  const int comb_len[4] = {1116, 1188, 1277, 1356};
  const int ap_len[2] = {556, 441};
  const double scale = sr / 44100.0;
  struct Comb {
    std::vector<float> buf;
    size_t pos = 0;
    float store = 0.f;
  };
  std::vector<Comb> combs(4);
  for (int i = 0; i < 4; ++i) {
    combs[static_cast<size_t>(i)].buf.assign(
        static_cast<size_t>(std::max(8.0, comb_len[i] * scale)), 0.f);
  }
  std::vector<std::vector<float>> aps(2);
  std::vector<size_t> ap_pos(2, 0);
  for (int i = 0; i < 2; ++i)
    aps[static_cast<size_t>(i)].assign(static_cast<size_t>(std::max(8.0, ap_len[i] * scale)), 0.f);
  const float fb = static_cast<float>(0.7 + 0.28 * room);
  const float damp = static_cast<float>(damping);
  const float w = static_cast<float>(wet);
  for (float& v : x) {
    const float in = v * 0.25f;
    float out = 0.f;
    for (auto& c : combs) {
      const float y = c.buf[c.pos];
      c.store = y * (1.f - damp) + c.store * damp;
      c.buf[c.pos] = in + c.store * fb;
      if (++c.pos == c.buf.size()) c.pos = 0;
      out += y;
    }
    for (size_t i = 0; i < 2; ++i) {
      auto& b = aps[i];
      const float bo = b[ap_pos[i]];
      b[ap_pos[i]] = out + bo * 0.5f;
      out = bo - out;
      if (++ap_pos[i] == b.size()) ap_pos[i] = 0;
    }
    v += w * out;
  }
}

}  // namespace mgr::data::synth
