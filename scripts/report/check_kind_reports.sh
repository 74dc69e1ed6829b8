#!/usr/bin/env bash
# One tiny run of each task kind (network, tree, knn, gan: experiments/crnn_gru, hierarchical,
# knn_baseline, dcgan_mel on a slice of the synthetic corpus), the HTML report of each, and each
# report rendered in headless Chromium (check_in_chromium.sh): the page must hold its kind's own
# section (<section class='kind kind-NAME'>) with what that kind shows, and render with no console
# error. Not a result: the runs are a few optimiser steps.
# Usage: scripts/report/check_kind_reports.sh [build-dir] [out-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=${2:-runs/kind-reports}
rm -rf "$out"
mkdir -p "$out"
tiny=(--device cpu --set data.max_tracks_per_genre=4 --set data.max_clips_per_track=2
      --set train.epochs=1 --set train.iterations=2 --set train.batch_size=4 --set train.accumulate=1
      --set train.log_every=1)
fail=0
# kind experiment "what its section must show"...
check_kind() {
  local kind=$1 experiment=$2
  shift 2
  local run="$out/$kind"
  if ! "$build/bin/run_experiment" "experiments/$experiment.yaml" "${tiny[@]}" --out "$run" \
      >"$out/$kind.log" 2>&1; then
    echo "check_kind_reports: FAIL: $kind: the run failed (see $out/$kind.log)"; tail -n 5 "$out/$kind.log"
    fail=1; return
  fi
  "$build/bin/report" "$run" --out "$run/report.html" --spectrograms 1
  local missing=""
  for part in "<section class='kind kind-$kind'>" "$@"; do
    grep -qF -- "$part" "$run/report.html" || missing+=" [$part]"
  done
  if [[ -n "$missing" ]]; then
    echo "check_kind_reports: FAIL: $kind: the report lacks$missing"; fail=1; return
  fi
  scripts/report/check_in_chromium.sh "$run/report.html" "$run/report.png" || fail=1
}
check_kind network crnn_gru "learning curves (best epoch" "<h2>Confusion matrices</h2>"
check_kind tree hierarchical "<figcaption>node lstm1</figcaption>" "<td>final (hard routing)</td>" \
  "<td>flat baseline</td>" "flat baseline (model.layers on every genre)"
check_kind knn knn_baseline "<tr><th>k</th>" "validation clip accuracy"
check_kind gan dcgan_mel "both losses per step" "D(x) and D(G(z)) per epoch" \
  "src='data:image/png;base64," "<h4>Quality</h4>"
if ((fail)); then exit 1; fi
echo "check_kind_reports: the report of each task kind rendered with its own section"
