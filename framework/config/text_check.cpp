#include "framework/config/text_check.h"

#include <fmt/format.h>

namespace mgr::config {

size_t invalid_utf8_at(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = byte(i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (i + len > s.size()) return i;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

size_t control_char_at(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7F) return i;
  }
  return std::string_view::npos;
}

std::string printable(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t bad = invalid_utf8_at(s.substr(i));
    const size_t good_end = bad == std::string_view::npos ? s.size() : i + bad;
    for (; i < good_end; ++i) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x20 || b == 0x7F) {
        out += fmt::format("\\x{:02X}", b);
      } else {
        out += s[i];
      }
    }
    if (i < s.size()) out += fmt::format("\\x{:02X}", static_cast<unsigned char>(s[i++]));
  }
  return out;
}

std::optional<std::string> text_problem(std::string_view s) {
  const size_t at = invalid_utf8_at(s);
  if (at == std::string_view::npos) return std::nullopt;
  return fmt::format("invalid UTF-8 (byte 0x{:02X} at offset {})",
                     static_cast<unsigned char>(s[at]), at);
}

std::optional<std::string> path_problem(std::string_view s) {
  if (auto p = text_problem(s)) return p;
  const size_t at = control_char_at(s);
  if (at == std::string_view::npos) return std::nullopt;
  return fmt::format("control character 0x{:02X} at offset {}", static_cast<unsigned char>(s[at]),
                     at);
}

std::optional<std::string> file_name_problem(std::string_view s) {
  if (s.empty()) return "empty";
  if (s == "." || s == "..") return fmt::format("'{}' is not a file name", s);
  if (auto p = path_problem(s)) return p;
  if (s.size() > kMaxNameBytes)
    return fmt::format("{} bytes (at most {}), starting '{}...'", s.size(), kMaxNameBytes,
                       s.substr(0, 20));
  if (s.find('/') != std::string_view::npos) return std::string("contains '/'");
  if (s.find('\\') != std::string_view::npos) return std::string("contains '\\'");
  if (s.front() == '-') return std::string("starts with '-' (it would read as an option)");
  return std::nullopt;
}

}  // namespace mgr::config
