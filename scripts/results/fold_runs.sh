# shellcheck shell=bash
# Sourced by scripts/results/real_music_table.sh and recipe_ablation.sh: one entry of a table run
# under a 5-fold protocol, resumable, with its wall time and a one-line summary.
#
# run_protocol TAG NAME DIR LOG NOTE_FILE NOTE BIN -- ARGS...
#   TAG        the caller's prefix for its lines, e.g. "[3/17]"
#   NAME       the entry's name (printed, and appended to the global array `failed` on failure)
#   DIR        its run directory: skipped when DIR/metrics.json exists; continued with
#              `run_experiment --resume DIR` when DIR/config.yaml exists (finished folds kept,
#              the stopped fold from its last completed epoch); otherwise started with ARGS
#   LOG        run_experiment's output (appended to when resuming)
#   NOTE_FILE  a file in DIR that receives NOTE on a fresh start (budget.txt, variant.txt)
#   NOTE       what the progress lines and NOTE_FILE say of the entry's settings
#   BIN        the folder of run_experiment
#   ARGS       run_experiment's arguments for a fresh start (the YAML, its --set, --out DIR)
# DIR/wall_seconds sums the wall time of every invocation that worked on the entry. Uses the
# caller's `elapsed` function for the time so far.
run_protocol() {
  local tag=$1 name=$2 dir=$3 log=$4 note_file=$5 note=$6 bin=$7
  shift 8
  if [[ -f "$dir/metrics.json" ]]; then
    echo "$tag $name: done already (skipped)"
    return 0
  fi
  local t0 rc t1 prev
  t0=$(date +%s)
  if [[ -f "$dir/config.yaml" ]]; then
    echo "$tag $name: resuming ($note) at $(elapsed); log $log"
    nice -n 5 "$bin/run_experiment" --resume "$dir" >>"$log" 2>&1
  else
    echo "$tag $name: running ($note) at $(elapsed); log $log"
    mkdir -p "$dir"
    echo "$note" >"$dir/$note_file"
    nice -n 5 "$bin/run_experiment" "$@" >"$log" 2>&1
  fi
  rc=$?
  t1=$(date +%s)
  prev=$(cat "$dir/wall_seconds" 2>/dev/null || echo 0)
  echo $((prev + t1 - t0)) >"$dir/wall_seconds"
  if ((rc != 0)) || [[ ! -f "$dir/metrics.json" ]]; then
    echo "$tag $name: FAILED (exit $rc) after $((t1 - t0)) s; last lines of $log:"
    tail -n 5 "$log" | sed 's/^/    /'
    failed+=("$name")
    return 1
  fi
  python3 - "$dir/metrics.json" "$name" "$((t1 - t0))" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["aggregate"]
print(f"    {sys.argv[2]}: clip {a['clip_accuracy']['mean']:.4f} ± {a['clip_accuracy']['std']:.4f}, "
      f"track {a['track_accuracy']['mean']:.4f} ± {a['track_accuracy']['std']:.4f} in {sys.argv[3]} s")
PY
}
