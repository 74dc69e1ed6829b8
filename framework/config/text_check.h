// Checks on text from outside (experiment files, --set overrides, names that become folder
// names). nlohmann::json refuses to write invalid UTF-8, so a name with a stray byte would
// otherwise train to the end and then lose the run at metrics.json; a '/' or a control
// character in a name would put files outside the run directory or garble one-line logs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mgr::config {

// Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, surrogates or code points above U+10FFFF); npos when `s` is valid.
size_t invalid_utf8_at(std::string_view s);

// Byte offset of the first ASCII control character (U+0000-U+001F, U+007F); npos when none.
size_t control_char_at(std::string_view s);

// `s` with every byte that is not printable valid UTF-8 written as \xNN, for error messages.
std::string printable(std::string_view s);

// Names become file and folder names (run directories, genre folders, tree nodes, parameter
// groups in checkpoints): longer ones are refused rather than printed and used whole.
inline constexpr size_t kMaxNameBytes = 100;

// What is wrong with `s` as a file or folder name (invalid UTF-8, a control character, '/' or
// '\', empty, "." or "..", a leading '-', longer than kMaxNameBytes), or nullopt when it is fine.
std::optional<std::string> file_name_problem(std::string_view s);

// What is wrong with `s` as free text that is written to JSON (invalid UTF-8), or nullopt.
std::optional<std::string> text_problem(std::string_view s);

// What is wrong with `s` as a path (invalid UTF-8 or a control character), or nullopt.
std::optional<std::string> path_problem(std::string_view s);

}  // namespace mgr::config
