// Platform-independent shuffling. std::shuffle and std::uniform_int_distribution are
// implementation-defined (libstdc++ and libc++ give different orders for the same seed), while
// std::mt19937_64's output sequence is fixed by the standard; so we draw from it ourselves.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "kernels/error.h"

namespace mgr::data {

// Uniform integer in [0, n) by rejection (no modulo bias), n >= 1.
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  MGR_CHECK(n >= 1, "uniform_below: n must be >= 1");
  // Reject the top partial block of 2^64 so every residue is equally likely.
  const uint64_t threshold = (0 - n) % n;  // == 2^64 mod n
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

// Fisher-Yates (Durstenfeld): for i from the end, swap v[i] with a uniform v[j], j <= i.
template <typename T>
void fisher_yates(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(uniform_below(rng, i));
    using std::swap;
    swap(v[i - 1], v[j]);
  }
}

}  // namespace mgr::data
