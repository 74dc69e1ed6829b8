#!/usr/bin/env bash
# Griffin-Lim iterations per second for one 30 s clip: mgr (tools/bench_griffinlim, CPU with 1
# thread and with $threads, CUDA when present) and librosa (scripts/bench/librosa_griffinlim.py)
# on the same samples (bench_griffinlim writes the clip as 16-bit WAV, librosa reads it). The two
# alternate for $rounds rounds in one invocation, each round printing its ratios, then the
# median ratio over the rounds: on a shared machine the load moves between rounds, and a ratio
# taken from two programs run seconds apart is what stays comparable.
# Usage: scripts/bench/run_griffinlim_benchmark.sh [build-dir] [threads] [rounds] [n_iter]
set -euo pipefail
build=${1:-build}
threads=${2:-2}
rounds=${3:-3}
n_iter=${4:-32}
py=${PYTHON:-python3}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}, $(uptime | sed 's/.*load/load/')"
"$build/bin/bench_griffinlim" --save-clip "$tmp/clip.wav" --seconds 30 --repeat 1 --n-iter 1 --device cpu > /dev/null
for r in $(seq 1 "$rounds"); do
  echo "-- round $r"
  "$build/bin/bench_griffinlim" --audio "$tmp/clip.wav" --n-iter "$n_iter" | tee "$tmp/ours.txt"
  $py "$here/librosa_griffinlim.py" --audio "$tmp/clip.wav" --n-iter "$n_iter" | tee "$tmp/librosa.txt"
  lib=$(awk '/^librosa +griffinlim:/ {print $3}' "$tmp/librosa.txt")
  awk -v lib="$lib" '/griffinlim:/ && !/^librosa/ {
    label = $0; sub(/ +griffinlim:.*/, "", label);
    for (i = 1; i <= NF; ++i) if ($i == "griffinlim:") its = $(i + 1);
    printf "ratio %-14s / librosa: %.2fx\n", label, its / lib }' "$tmp/ours.txt" | tee -a "$tmp/ratios.txt"
done
echo "-- median over $rounds rounds"
$py - "$tmp/ratios.txt" <<'PY'
import re, statistics, sys
by = {}
for line in open(sys.argv[1]):
    m = re.match(r"ratio (.+?) +/ librosa: ([0-9.]+)x", line)
    by.setdefault(m.group(1), []).append(float(m.group(2)))
for label, v in by.items():
    print(f"ratio {label:<14} / librosa: {statistics.median(v):.2f}x (rounds: "
          + ", ".join(f"{x:.2f}" for x in v) + ")")
PY
