// SHA-256 (FIPS 180-4), for feature-cache keys and checksums: a small streaming implementation,
// tested against the NIST example vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mgr::data {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t bytes);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // A length-prefixed field, so that ("ab", "c") and ("a", "bc") hash differently.
  void field(std::string_view s);
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex();                 // 64 lowercase hex digits of digest()

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view s);

}  // namespace mgr::data
