#!/usr/bin/env bash
# Trains every experiment YAML for a few optimiser steps on a small slice of the synthetic corpus
# and checks that its run directory is complete: the data, feature, model, training, evaluation
# and report paths of each network, end to end, in minutes (one run each: a file's folds or seeds
# are set aside). Not a result: see docs/results.md.
# Usage: scripts/smoke_experiments.sh [build-dir] [out-dir] [yaml...]
set -euo pipefail
build=${1:-build}
out=${2:-runs/smoke}
shift $(( $# < 2 ? $# : 2 ))
files=("$@")
if ((${#files[@]} == 0)); then files=(experiments/*.yaml); fi
fail=0
for f in "${files[@]}"; do
  name=$(basename "$f" .yaml)
  start=$(date +%s)
  if "$build/bin/run_experiment" "$f" --device "${DEVICE:-cpu}" --out "$out/$name" \
      --set data.max_tracks_per_genre=10 --set train.epochs=1 --set train.iterations=3 \
      --set train.log_every=1 --set protocol.folds=0 --set 'protocol.seeds=[]' \
      >"$out.$name.log" 2>&1; then
    missing=""
    # What a run directory holds depends on model.type (model: type: in the resolved config.yaml).
    expect=(config.yaml metrics.json table_row.md)
    kind=$(awk '/^model:/ {m = 1} m && /^  type: / {gsub(/"/, "", $2); print $2; exit}' \
      "$out/$name/config.yaml")
    case "$kind" in
      tree) expect+=(tree.svg tree_nodes.md flat/best_model.h5) ;;
      knn) ;;  # no network: metrics and tables only
      gan) expect+=(model_summary.txt history.csv generator.h5 discriminator.h5 gan.json
                    loss_curves.svg samples/epoch_001.png) ;;
      *) expect+=(model_summary.txt history.csv best_model.h5) ;;
    esac
    for x in "${expect[@]}"; do
      [[ -f "$out/$name/$x" ]] || missing+=" $x"
    done
    if [[ -n "$missing" ]]; then
      echo "FAIL $name: missing$missing"; fail=1
    else
      echo "ok   $name ($(( $(date +%s) - start )) s): $(tail -n 2 "$out.$name.log" | head -n 1)"
    fi
  else
    echo "FAIL $name (see $out.$name.log):"; tail -n 5 "$out.$name.log" | sed 's/^/    /'; fail=1
  fi
done
exit $fail
