// Reads tests/data/librosa/stft_mfcc/ (made by make_golden.py there): manifest.json + raw
// little-endian float32 arrays. Shared by the STFT and MFCC librosa tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::test::stft_golden {

using json = nlohmann::json;

inline const std::string& dir() {
  static const std::string d = std::string(MGR_SOURCE_DIR) + "/tests/data/librosa/stft_mfcc/";
  return d;
}

inline const json& manifest() {
  static const json m = [] {
    std::ifstream f(dir() + "manifest.json");
    if (!f) throw Error("cannot open " + dir() + "manifest.json");
    return json::parse(f);
  }();
  return m;
}

struct Golden {
  std::vector<float> data;
  Shape shape;
  json meta;
};

inline Golden load(const std::string& name) {
  const json& a = manifest().at("arrays").at(name);
  Golden g;
  g.meta = a;
  for (int64_t d : a.at("shape")) g.shape.push_back(d);
  g.data.resize(size_t(shape_numel(g.shape)));
  std::ifstream f(dir() + a.at("file").get<std::string>(), std::ios::binary);
  if (!f) throw Error("cannot open golden file for " + name);
  f.read(reinterpret_cast<char*>(g.data.data()), std::streamsize(g.data.size() * sizeof(float)));
  if (!f) throw Error("golden file for " + name + " is shorter than its shape");
  return g;
}

// The golden array as a [1, ...] tensor (a batch of one).
inline Tensor as_batch(const Golden& g) {
  Shape s{1};
  s.insert(s.end(), g.shape.begin(), g.shape.end());
  return Tensor::from_vector(g.data, s);
}

inline double max_abs_error(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  return worst;
}

inline double max_abs(const std::vector<float>& b) {
  double m = 0;
  for (float v : b) m = std::max(m, std::abs(double(v)));
  return m;
}

}  // namespace mgr::test::stft_golden
