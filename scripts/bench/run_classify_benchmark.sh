#!/usr/bin/env bash
# classify on a folder of 30 s files, files per second, mgr beside PyTorch + torchaudio (issue 12):
#   (a) build/bin/classify RUN FOLDER --device cpu --csv with OMP_NUM_THREADS=$threads
#       (decoding on 2 threads ahead of the model, features and network on the CPU);
#   (b) scripts/bench/torch_classify.py RUN FOLDER: torchaudio.load per file, the same clips,
#       the same features in torchaudio, the same network (scripts/parity's twin loaded with the
#       run's best_model.h5) with torch.set_num_threads($threads).
# classify runs itself with OMP_WAIT_POLICY=passive unless the variable is set
# (framework/infer/openmp_wait.h); PyTorch takes libgomp's default (idle threads spin) unless
# the variable is set, so `OMP_WAIT_POLICY=passive scripts/bench/run_classify_benchmark.sh`
# gives both sides passive waiting.
# Both are timed as whole processes (start to exit, model loading and imports included; the
# PyTorch side also prints its time from the first file opened). The two alternate for $rounds
# rounds in one invocation (the order swapped every round), each round printing files/s, the
# ratio and the load average, then the median ratio; and how often both sides decide the same
# genre per file (mean probability's top genre and clip vote), which shows the PyTorch side
# does the same job (the features are close, not bit-identical).
#
# Data, made once and reused (under $BENCH_DIR, default data/bench-classify, git-ignored):
#   music-$files/  $files synthetic 30 s WAV files (16-bit mono, 22,050 Hz, the
#                  make_synthetic_corpus genres, corpus seed 7), $files a multiple of 10;
#   run-$name/     $exp trained for $EPOCHS epochs (default 6) on a small corpus of its own
#                  (10 tracks per genre, seed 1): the weights' values do not change the cost,
#                  the architecture and the features do.
# Usage: scripts/bench/run_classify_benchmark.sh [build-dir] [files] [rounds] [threads] [experiment]
#   defaults: build 1000 1 2 experiments/crnn_gru.yaml
set -euo pipefail
build=${1:-build}
files=${2:-1000}
rounds=${3:-1}
threads=${4:-2}
exp=${5:-experiments/crnn_gru.yaml}
dir=${BENCH_DIR:-data/bench-classify}
py=${PYTHON:-/usr/bin/python3}
here=$(dirname "$0")
if ((files % 10 != 0)); then echo "files must be a multiple of 10 (10 genres), got $files" >&2; exit 2; fi
name=$(basename "$exp" .yaml)
music=$dir/music-$files
run=$dir/run-$name
mkdir -p "$dir"
load() { uptime | sed 's/.*load average: //'; }

"$build/bin/make_synthetic_corpus" --root "$music" --tracks-per-genre $((files / 10)) --seconds 30 \
  --seed 7 >&2
if [[ ! -f $run/best_model.h5 || ! -f $run/metrics.json ]]; then
  echo "training $exp for ${EPOCHS:-6} epochs on a small corpus -> $run" >&2
  rm -rf "$run"
  "$build/bin/run_experiment" "$exp" --out "$run" --device cpu \
    --set data.source=synthetic --set data.root="$dir/train-corpus" \
    --set data.synthetic.tracks_per_genre=10 --set data.synthetic.seed=1 \
    --set train.epochs="${EPOCHS:-6}" --set features.cache_dir="$dir/cache" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1
now() { date +%s.%N; }
ours() {
  local t0; t0=$(now)
  "$build/bin/classify" "$run" "$music" --device cpu --csv > "$tmp/ours.csv" 2> "$tmp/ours.err"
  ours_s=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')
  tail -n 1 "$tmp/ours.err" | tr '\r' '\n' | tail -n 1
}
theirs() {
  local t0; t0=$(now)
  $py "$here/torch_classify.py" "$run" "$music" --threads "$threads" --csv "$tmp/torch.csv" |
    tail -n 1
  torch_s=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')
}
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads, $files files x 30 s" \
  "(16-bit WAV, 22050 Hz), $name, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}; load average $(load)"
for r in $(seq 1 "$rounds"); do
  echo "-- round $r (load average at start $(load))"
  if ((r % 2)); then ours; theirs; else theirs; ours; fi
  awk -v n="$files" -v a="$ours_s" -v b="$torch_s" -v l="$(load)" 'BEGIN {
    printf "mgr classify:     %7.1f s  %6.2f files/s\n", a, n / a;
    printf "torch+torchaudio: %7.1f s  %6.2f files/s\n", b, n / b;
    printf "ratio mgr / torch: %.2fx (load average at end %s)\n", b / a, l }' |
    tee -a "$tmp/rounds.txt"
done
echo "-- over $rounds round(s)"
$py - "$tmp/rounds.txt" "$tmp/ours.csv" "$tmp/torch.csv" <<'PY'
import csv, re, statistics, sys
ratios = [float(m.group(1)) for m in re.finditer(r"ratio mgr / torch: ([0-9.]+)x", open(sys.argv[1]).read())]
print(f"median ratio mgr / torch: {statistics.median(ratios):.2f}x (rounds: "
      + ", ".join(f"{x:.2f}" for x in ratios) + ")")
ours = {row["path"]: row for row in csv.DictReader(open(sys.argv[2]))}
torch = {row["path"]: row for row in csv.DictReader(open(sys.argv[3]))}
common = sorted(set(ours) & set(torch))
names = [k for k in next(iter(torch.values())) if k not in ("path", "clips", "vote", "top")]
top = sum(ours[p]["top"] == torch[p]["top"] for p in common)
vote = sum(ours[p]["vote"] == torch[p]["vote"] for p in common)
diff = max(abs(float(ours[p][g]) - float(torch[p][g])) for p in common for g in names)
clips = sum(ours[p]["clips"] == torch[p]["clips"] for p in common)
spread = {}
for p in common:
    spread[ours[p]["top"]] = spread.get(ours[p]["top"], 0) + 1
print(f"agreement on {len(common)} files (mgr {len(ours)}, torch {len(torch)}): top genre "
      f"{100 * top / len(common):.1f}%, clip vote {100 * vote / len(common):.1f}%, same clip "
      f"count {100 * clips / len(common):.1f}%; largest |mean probability difference| {diff:.1e}")
print("mgr's top genres: " + ", ".join(f"{g} {n}" for g, n in sorted(spread.items(), key=lambda kv: -kv[1])))
PY
