// How OpenMP's idle threads wait, for programs that mix OpenMP with threads of their own.
// libgomp's default (OMP_WAIT_POLICY unset) lets each idle thread of a team spin for a while
// after every parallel region before it sleeps. classify runs many short parallel regions (the
// features and layers of a few clips at a time) between serial steps, beside its own decoding
// threads, so a spinning thread takes the CPU that the decoders and, on a shared machine, the
// main thread need: 100 files of 30 s with the crnn_gru network on 2 cores at load average 4.5
// took 11.8 s (11.4 s of CPU) with the default and 4.1 s (3.9 s of CPU) with
// OMP_WAIT_POLICY=passive (docs/benchmarks.md, "classify on a folder").
#pragma once

#include <string>

namespace mgr::infer {

// When OMP_WAIT_POLICY is not set, sets it to passive and executes this program again
// (/proc/self/exe with the same arguments): libgomp reads the variable once, when it is loaded,
// before main runs, so a program cannot choose the policy any later. Call it first thing in
// main. Returns when the variable was already set (the user's choice stands) or when the exec
// failed (the program then goes on with the default policy: only its speed differs).
void reexec_with_passive_openmp_wait(char** argv);

// "N OpenMP threads, OMP_WAIT_POLICY=<value or unset>", for a tool's banner.
std::string openmp_description();

}  // namespace mgr::infer
