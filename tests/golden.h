// Golden arrays made by the make_golden.py scripts under tests/data/librosa/ (and
// tests/data/pitch/): a manifest.json (sample rate, and per array its file, shape and the
// parameters that made it) next to raw little-endian float32 files. One GoldenSet per folder; the
// manifest is read on first use, so a missing or broken file fails the test that reads it, not the
// whole binary at start-up.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/tensor/tensor.h"
#include "kernels/error.h"

namespace mgr::test {

using json = nlohmann::json;

// One stored array: its values, its shape and its manifest entry (kind, params, ...).
struct Golden {
  std::vector<float> data;
  Shape shape;
  json meta;

  // The values as a tensor of `s` (the stored shape when empty).
  Tensor tensor(const Shape& s = {}) const {
    return Tensor::from_vector(data, s.empty() ? shape : s);
  }
};

// The array as a [1, ...] tensor (a batch of one clip).
inline Tensor as_batch(const Golden& g) {
  Shape s{1};
  s.insert(s.end(), g.shape.begin(), g.shape.end());
  return g.tensor(s);
}

class GoldenSet {
 public:
  // `subdir` is the folder under tests/data/librosa/ ("" for that folder itself).
  explicit GoldenSet(const std::string& subdir)
      : dir_(std::string(MGR_SOURCE_DIR) + "/tests/data/librosa/" +
             (subdir.empty() ? "" : subdir + "/")) {}
  // A folder directly under tests/data/ (references that are not librosa's, e.g. "pitch").
  struct DataDir {
    std::string name;
  };
  explicit GoldenSet(const DataDir& d)
      : dir_(std::string(MGR_SOURCE_DIR) + "/tests/data/" + d.name + "/") {}

  const std::string& dir() const { return dir_; }

  const json& manifest() const {
    std::call_once(read_, [this] {
      std::ifstream f(dir_ + "manifest.json");
      if (!f) throw Error("cannot open " + dir_ + "manifest.json");
      manifest_ = json::parse(f);
    });
    return manifest_;
  }

  Golden load(const std::string& name) const {
    const json& a = manifest().at("arrays").at(name);
    Golden g;
    g.meta = a;
    for (int64_t d : a.at("shape")) g.shape.push_back(d);
    g.data.resize(size_t(shape_numel(g.shape)));
    std::ifstream f(dir_ + a.at("file").get<std::string>(), std::ios::binary);
    if (!f) throw Error("cannot open golden file for " + name);
    f.read(reinterpret_cast<char*>(g.data.data()), std::streamsize(g.data.size() * sizeof(float)));
    if (!f) throw Error("golden file for " + name + " is shorter than its shape");
    return g;
  }

 private:
  std::string dir_;
  mutable std::once_flag read_;
  mutable json manifest_;
};

// The framing fields every STFT-based params struct (LogMelParams, StftParams) shares, from a
// manifest entry's "params"; fields it does not name keep P's (librosa's) defaults.
template <class P>
P frame_params(const json& j, int sample_rate) {
  P p;
  p.sample_rate = sample_rate;
  p.n_fft = j.value("n_fft", p.n_fft);
  p.hop_length = j.value("hop_length", p.hop_length);
  p.win_length = j.value("win_length", p.win_length);
  p.window = j.value("window", p.window);
  p.center = j.value("center", p.center);
  p.pad_mode = j.value("pad_mode", p.pad_mode);
  return p;
}

// frame_params and the mel fields of a LogMelParams (n_mels, fmin, fmax, mel_scale, mel_norm,
// power, ref).
template <class P>
P mel_params(const json& j, int sample_rate) {
  P p = frame_params<P>(j, sample_rate);
  p.n_mels = j.value("n_mels", p.n_mels);
  p.fmin = j.value("fmin", p.fmin);
  p.fmax = j.value("fmax", p.fmax);
  p.mel_scale = j.value("mel_scale", p.mel_scale);
  p.mel_norm = j.value("mel_norm", p.mel_norm);
  p.power = j.value("power", p.power);
  p.ref = j.value("ref", p.ref);
  return p;
}

// Largest |a - b| (b is the reference). Sizes must match: a mismatch fails the calling test
// and gives infinity, so the tolerance check after it fails too.
inline double max_abs_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  return worst;
}

inline double max_abs(const std::vector<float>& b) {
  double m = 0;
  for (float v : b) m = std::max(m, std::abs(double(v)));
  return m;
}

}  // namespace mgr::test
