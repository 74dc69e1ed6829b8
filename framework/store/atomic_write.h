// Run-directory files that other programs (and --resume) trust once they exist: written to
// "<path>.tmp.<pid>" and renamed, so a process killed mid-write leaves the old file or none, never
// a half-written one that would parse as something else.
#pragma once

#include <string>

namespace mgr::train {

void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace mgr::train
