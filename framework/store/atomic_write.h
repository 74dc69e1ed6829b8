// Run-directory files that other programs (and --resume) trust once they exist: written to
// "<path>.tmp.<pid>" and renamed, so a process killed mid-write leaves the old file or none, never
// a half-written one that would parse as something else.
#pragma once

#include <string>

namespace mgr::train {

// On failure (a full disk, a read-only folder) the temporary is removed, an existing `path` is
// left as it was, and mgr::Error says "cannot write <path>: <reason>" in one line.
void write_file_atomically(const std::string& path, const std::string& text);

// The end of that line for a write to `path` that failed with errno `err`: "no space left on
// device" when the file system is full (ENOSPC, or under 64 KiB free where `path` goes: HDF5
// does not always leave errno behind), else the system's reason.
std::string write_failure_reason(const std::string& path, int err);

// Removes the temporaries (NAME.tmp.PID) that a process killed in mid-write left in `dir` (not
// below it; only those whose name starts with `prefix` when it is given), keeping those of
// processes alive on this host. Nothing else removes them: a run resumed or run again writes
// temporaries of its own pid. A pid is judged on this host, so this is called only where no
// process of another host writes into `dir`. Returns how many it removed.
int remove_stale_temporaries(const std::string& dir, const std::string& prefix = "");

}  // namespace mgr::train
