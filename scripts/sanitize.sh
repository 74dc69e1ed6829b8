#!/usr/bin/env bash
# The sanitizer and fuzzing build: clang, CPU-only, AddressSanitizer + UndefinedBehaviorSanitizer,
# libFuzzer coverage instrumentation (-fsanitize=fuzzer-no-link) in the library, so one build
# gives both the instrumented test suite and the two fuzz targets.
#
#   scripts/sanitize.sh build            configure and build build-asan/
#   scripts/sanitize.sh test             the whole test suite under the sanitizers
#   scripts/sanitize.sh fuzz RUNS [T]      each fuzz target (or only T: experiment_config,
#                                          audio_loader) RUNS executions over its seed corpus
#   scripts/sanitize.sh fuzz-time SECS [T] the same for SECS seconds each (CI's short run)
#
# Needs clang, libclang-rt and libomp-dev (scripts/setup.sh installs them). BUILD_DIR overrides
# the build folder. Any sanitizer report fails the step (halt_on_error, non-zero exit).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-asan}
jobs=$(nproc)

# Leaks: the suite's own objects are checked; the suppressions name third-party one-off
# allocations at exit (OpenMP runtime, HDF5's global state) that are not ours to free.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/scripts/sanitize/ubsan.supp"

case "${1:-}" in
  build)
    # -gline-tables-only makes ccache hash the working directory by default; without it a clean
    # clone elsewhere (CI) reuses the objects (the line tables then name the first checkout's
    # build folder, which only stack traces show).
    export CCACHE_NOHASHDIR=true
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMGR_WITH_CUDA=OFF \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only -Wno-pass-failed" \
      -DMGR_SANITIZE=address,undefined -DMGR_FUZZ=ON
    cmake --build "$build" -j"$jobs" --target mgr_tests fuzz_experiment_config fuzz_audio_loader \
      run_experiment classify
    ;;
  test)
    # The whole suite: about 3 minutes on 2 cores (the longest case, a CRNN trained twice, 45 s).
    OMP_NUM_THREADS=2 ctest --test-dir "$build" --output-on-failure -j"$jobs"
    ;;
  fuzz | fuzz-time)
    amount=${2:?"fuzz needs a number of runs (fuzz) or seconds (fuzz-time)"}
    targets=${3:-experiment_config audio_loader}
    for target in $targets; do
      case $target in
        experiment_config) seeds=tests/fuzz/corpus/config ;;
        audio_loader) seeds=tests/fuzz/corpus/audio ;;
        *) echo "sanitize: unknown fuzz target '$target' (experiment_config, audio_loader)" >&2; exit 2 ;;
      esac
      # New inputs go to a scratch copy: the committed seed corpus stays as it is.
      work=$(mktemp -d)
      cp "$seeds"/* "$work"/
      limit=$([ "$1" = fuzz ] && echo "-runs=$amount" || echo "-max_total_time=$amount")
      echo "fuzz_$target: $limit over $(ls "$seeds" | wc -l) seeds"
      OMP_NUM_THREADS=1 "$build/bin/fuzz_$target" "$limit" -rss_limit_mb=2560 -timeout=20 \
        -max_len=65536 -print_final_stats=1 "$work" 2>&1 | tail -n 25
      rm -rf "$work"
    done
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
