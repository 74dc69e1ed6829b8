#!/usr/bin/env bash
# Sweep overhead: a 20-run sweep of the tiny test experiment (GRU / LSTM x 5 learning rates x 2
# seeds, every run sharing one feature cache) with one worker, fresh corpus cache folder. Prints
# the sweep's wall time, the time the runs spent inside run_experiment (each metrics.json's
# timing_seconds.total) and in their processes (sweep_status.json seconds), the share of the
# wall time outside the runs, and the feature-cache misses and hits (one miss expected).
# Usage: scripts/bench/sweep_overhead.sh [build-dir] [workers] [epochs] [sweep options]
#   epochs: 2, the tiny experiment's (about a third of a second per run on the 2-core machine);
#   sweep options: e.g. --exec (a run_experiment program per run instead of a forked copy)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
workers=${2:-1}
epochs=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
work=$(mktemp -d /tmp/mgr-sweep-overhead.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/sweep.yaml" <<YAML
name: overhead
experiment: $(pwd)/tests/data/sweep/tiny.yaml
out: $work/out
set:
  data.root: $work/corpus
  features.cache_dir: $work/cache
  train.epochs: $epochs
grid:
  model.layers.rnn.type: [gru, lstm]
  train.lr: [0.01, 0.003, 0.001, 0.0003, 0.0001]
protocol:
  seeds: [1, 2]
YAML
# The corpus is generated once beforehand: it is the data, not the sweep's overhead.
"$build/bin/run_experiment" tests/data/sweep/tiny.yaml --set data.root="$work/corpus" \
  --set features.cache=off --set train.epochs=1 --out "$work/warm" >/dev/null 2>&1
start=$(date +%s.%N)
"$build/bin/sweep" "$work/sweep.yaml" --workers "$workers" "$@" >"$work/log" 2>&1
end=$(date +%s.%N)
echo "sweep options: ${*:-(none: runs in forked copies of sweep)}"
python3 - "$work/out" "$start" "$end" "$workers" <<'PY'
import json, pathlib, sys
out, start, end, workers = pathlib.Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
runs = sorted(out.glob("*/seed-*/metrics.json"))
inside = sum(json.loads(p.read_text())["timing_seconds"]["total"] for p in runs)
process = sum(json.loads((p.parent / "sweep_status.json").read_text())["seconds"] for p in runs)
cache = [json.loads(p.read_text())["data"]["feature_cache"] for p in runs]
wall = end - start
print(f"runs: {len(runs)}, workers: {workers}, mean run {inside / len(runs):.2f} s inside")
print(f"sweep wall time: {wall:.2f} s (planning and checking every point included)")
print(f"inside run_experiment (timing_seconds.total, summed): {inside:.2f} s")
print(f"run processes (start to exit, summed): {process:.2f} s")
print(f"outside the runs: {100 * (1 - inside / workers / wall):.1f}% of the wall time "
      f"(process start and exit: {100 * (process - inside) / workers / wall:.1f}%)")
print(f"feature cache: {cache.count('miss')} miss, {cache.count('hit')} hits")
PY
