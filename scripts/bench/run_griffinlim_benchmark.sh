#!/usr/bin/env bash
# Griffin-Lim iterations per second for one 30 s clip: mgr (tools/bench_griffinlim, CPU with 1
# thread and with $threads, CUDA when present) and librosa (scripts/bench/librosa_griffinlim.py)
# on the same samples (bench_griffinlim writes the clip as 16-bit WAV, librosa reads it), one
# after the other in one invocation, then the ratios.
# Usage: scripts/bench/run_griffinlim_benchmark.sh [build-dir] [threads] [n_iter]
set -euo pipefail
build=${1:-build}
threads=${2:-2}
n_iter=${3:-32}
py=${PYTHON:-python3}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads, $(uptime | sed 's/.*load/load/')"
"$build/bin/bench_griffinlim" --save-clip "$tmp/clip.wav" --n-iter "$n_iter" | tee "$tmp/ours.txt"
$py "$here/librosa_griffinlim.py" --audio "$tmp/clip.wav" --n-iter "$n_iter" | tee "$tmp/librosa.txt"
lib=$(awk '/^librosa +griffinlim:/ {print $3}' "$tmp/librosa.txt")
awk -v lib="$lib" '/griffinlim:/ && !/^librosa/ {
  label = $0; sub(/ +griffinlim:.*/, "", label);
  for (i = 1; i <= NF; ++i) if ($i == "griffinlim:") its = $(i + 1);
  printf "ratio %-14s / librosa: %.2fx\n", label, its / lib }' "$tmp/ours.txt"
