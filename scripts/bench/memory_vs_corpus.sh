#!/usr/bin/env bash
# Peak resident memory and wall time of a one-epoch paper-001 CRNN run
# (experiments/crnn_gru_track_split.yaml, CPU) against the corpus size (issue 23, item 2).
# For each size the synthetic corpus is made first (make_synthetic_corpus, every core; not timed
# with the run), then one cold run (the feature cache is built a group of tracks at a time) and
# one warm run (cache hit: nothing is decoded), each timed by /usr/bin/time -v as a whole process.
#
# Sizes (tracks x seconds per track):
#   300 x 30 s  (3,000 clips)     3,000 x 30 s  (30,000 clips)     30,000 x 6 s  (60,000 clips;
#   shorter tracks keep the largest corpus's synthesis and epoch within a CPU session).
# The memory budget is the argument (default 1 GiB: what a run may keep in memory as a table);
# tables above it are read from disk batch by batch (features.storage auto). Pass 0 for the
# automatic budget (half the machine's memory).
#
# PASSES (default "cold warm") chooses the runs per size, e.g. PASSES=cold for the large ones.
# Usage: scripts/bench/memory_vs_corpus.sh [build-dir] [budget-GiB] [sizes...]
#   e.g. scripts/bench/memory_vs_corpus.sh build 1 300x30 3000x30 30000x6
# Data under $BENCH_DIR (default data/bench-memory, git-ignored): corpus-N-S/, cache/, runs/.
# Prints one table row per run (markdown) and writes them to $BENCH_DIR/memory.md.
set -euo pipefail
build=${1:-build}
budget=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
sizes=("$@")
(( ${#sizes[@]} )) || sizes=(300x30 3000x30 30000x6)
passes=${PASSES:-cold warm}
dir=${BENCH_DIR:-data/bench-memory}
exp=experiments/crnn_gru_track_split.yaml
mkdir -p "$dir/runs" "$dir/cache"
out=$dir/memory.md
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

if [[ ! -s $out ]]; then
  echo "| tracks x s | clips | table | storage | run | peak RSS | wall | data + features | train |" | tee "$out"
  echo "|---|---|---|---|---|---|---|---|---|" | tee -a "$out"
fi
for size in "${sizes[@]}"; do
  tracks=${size%x*}
  seconds=${size#*x}
  ((tracks % 10 == 0)) || { echo "tracks must be a multiple of 10, got $tracks" >&2; exit 2; }
  corpus=$dir/corpus-$tracks-$seconds
  echo "== $tracks tracks of $seconds s: synthesising $corpus" >&2
  /usr/bin/time -f "synthesis: %e s, peak %M KiB" "$build/bin/make_synthetic_corpus" \
    --root "$corpus" --tracks-per-genre $((tracks / 10)) --seconds "$seconds" >&2
  for pass in $passes; do
    run=$dir/runs/$tracks-$seconds-$pass
    rm -rf "$run"
    [[ $pass == cold ]] && rm -rf "$dir/cache/log_mel-"* "$dir/cache/"*.stats
    echo "== $tracks x $seconds s, $pass run -> $run" >&2
    /usr/bin/time -v -o "$dir/time-$tracks-$seconds-$pass.txt" \
      "$build/bin/run_experiment" "$exp" --out "$run" --device cpu \
      --set data.root="$corpus" --set data.synthetic.tracks_per_genre=$((tracks / 10)) \
      --set data.synthetic.track_seconds="$seconds" --set train.epochs=1 \
      --set features.cache_dir="$dir/cache" --set features.memory_budget_gb="$budget" \
      2> "$dir/log-$tracks-$seconds-$pass.txt" >/dev/null || {
        tail -5 "$dir/log-$tracks-$seconds-$pass.txt" >&2; exit 1; }
    peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time-$tracks-$seconds-$pass.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time-$tracks-$seconds-$pass.txt")
    python3 - "$run/metrics.json" "$tracks" "$seconds" "$pass" "$peak_kib" "$wall" <<'PY' | tee -a "$out"
import json, sys
m = json.load(open(sys.argv[1]))
tracks, seconds, run, peak_kib, wall = sys.argv[2:7]
d, t = m["data"], m.get("timing_seconds", {})
def secs(k):
    v = t.get(k)
    return f"{v:.0f} s" if isinstance(v, (int, float)) else "?"
print(f"| {int(tracks):,} x {seconds} | {d['clips']:,} | {d['feature_table_bytes'] / 2**30:.2f} GiB "
      f"| {d['feature_storage']} | {run} ({d['feature_cache']}) | {int(peak_kib) / 2**20:.2f} GiB "
      f"| {wall} | {secs('data')} + {secs('features')} | {secs('training')} |")
PY
  done
done
echo "written: $out" >&2
