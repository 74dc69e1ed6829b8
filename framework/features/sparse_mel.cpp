#include "framework/features/sparse_mel.h"

#include "kernels/error.h"

namespace mgr::features {

SparseMelHost SparseMelHost::from_dense(const std::vector<float>& dense, int n_mels, int bins) {
  MGR_CHECK(dense.size() == size_t(n_mels) * size_t(bins),
            "SparseMelHost: " << dense.size() << " weights for " << n_mels << " x " << bins);
  SparseMelHost s;
  s.n_mels = n_mels;
  s.bins = bins;
  for (int m = 0; m < n_mels; ++m) {
    const float* row = dense.data() + size_t(m) * bins;
    int lo = 0;
    while (lo < bins && row[lo] == 0.f) ++lo;
    int hi = bins;
    while (hi > lo && row[hi - 1] == 0.f) --hi;
    s.begin.push_back(lo < bins ? lo : 0);  // an empty filter (librosa warns) has length 0
    s.length.push_back(hi - lo);
    s.offset.push_back(static_cast<int>(s.weights.size()));
    s.weights.insert(s.weights.end(), row + lo, row + hi);
  }
  if (s.weights.empty()) s.weights.push_back(0.f);  // keep a valid pointer for the kernels
  return s;
}

kernels::cpu::SparseMel SparseMelHost::view() const {
  return {n_mels, bins, begin.data(), length.data(), offset.data(), weights.data()};
}

}  // namespace mgr::features
