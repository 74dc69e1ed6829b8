#!/usr/bin/env bash
# The mgr recipe (experiments/mgr_cnn.yaml) and its ablation on real music: the recipe as it
# is, and one variant per addition with that addition taken out (and the bare network with no
# augmentation at all), each under the real-music table's protocol (gtzan-mini, 5-fold over
# tracks stratified by genre, seed 1: the folds of scripts/results/real_music_table.sh); then the
# two classic peers on the same folds (scripts/results/peers.py) and the table
# (scripts/results/ablation_table.py), with the best paper network of a real-music table beside
# them when --paper-runs points at one.
#
# Usage: scripts/results/recipe_ablation.sh [--data DIR] [--out DIR] [--bin DIR] [--device D]
#          [--experiment FILE] [--paper-runs DIR] [--only VARIANT...]
#   --data DIR        the gtzan-mini folder; default $MGR_GTZAN_MINI
#   --out DIR         where the runs go (default runs/recipe-ablation): <out>/<variant>/ with its
#                     fold folders and aggregate metrics.json, <out>/logs/<variant>.log,
#                     <out>/peers.json, <out>/ablation.md
#   --bin DIR         run_experiment's folder (default build/bin)
#   --device D        auto (default) | cpu | cuda | cuda:N
#   --experiment F    the recipe (default experiments/mgr_cnn.yaml)
#   --paper-runs DIR  a real_music_table.sh output folder: its best network joins the table
#   --only V...       only these variants (the remaining arguments)
#
# Variants (train.augment entries are named by type; see docs/config.md "Augmentation types"):
#   recipe       the YAML as it is
#   with_crop    with a random crop of the track added (when the recipe has none)
#   no_crop      without crop (each clip read where it was cut; when the recipe has one)
#   no_speed     without speed
#   no_gain      without gain
#   no_masks     without freq_mask and time_mask
#   no_mixup     without mixup
#   none         no augmentation at all (features precomputed: the bare network)
#   longer       the recipe trained for twice its epochs with a cosine learning-rate decay (to 0)
#   seed2 seed3  the recipe again with experiment seeds 2 and 3 on seed 1's folds
#                (data.split_seed=1): other initialisations, shuffles and augmentation draws
#
# Resumable like real_music_table.sh: a variant with metrics.json is skipped, an interrupted one
# continues with run_experiment --resume. Exit status 1 when a variant failed.
set -uo pipefail
abs() { [[ "$1" == /* ]] && echo "$1" || echo "$PWD/$1"; }
data=${MGR_GTZAN_MINI:-} out=runs/recipe-ablation bin=build/bin device=auto
experiment=experiments/mgr_cnn.yaml paper_runs="" only=()
while (($#)); do
  case "$1" in
    --data) data=$(abs "$2"); shift ;;
    --out) out=$(abs "$2"); shift ;;
    --bin) bin=$(abs "$2"); shift ;;
    --device) device=$2; shift ;;
    --experiment) experiment=$(abs "$2"); shift ;;
    --paper-runs) paper_runs=$(abs "$2"); shift ;;
    --only) shift; only=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "recipe_ablation: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$data" ]] && data=$(abs "$data")
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/results/fold_runs.sh
source scripts/results/fold_runs.sh || exit 2
if [[ -z "$data" ]]; then
  echo "recipe_ablation: no data folder: give --data DIR or set MGR_GTZAN_MINI to the gtzan-mini folder" >&2
  exit 2
fi
[[ -d "$data" ]] || { echo "recipe_ablation: data folder '$data' does not exist" >&2; exit 2; }
[[ -x "$bin/run_experiment" ]] || { echo "recipe_ablation: $bin/run_experiment not built" >&2; exit 2; }
[[ -f "$experiment" ]] || { echo "recipe_ablation: no recipe file $experiment" >&2; exit 2; }
data=$(cd "$data" && pwd)
mkdir -p "$out/logs"

# The recipe's train.augment list, one flow mapping per entry, read from the recipe file (so the
# variants are built from what the YAML says, not from a copy here).
mapfile -t entries < <(python3 - "$experiment" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
for e in (cfg.get("train") or {}).get("augment") or []:
    print(yaml.safe_dump(e, default_flow_style=True, width=10000).strip())
PY
)
types=()
for e in "${entries[@]}"; do types+=("$(python3 -c 'import sys, yaml; print(yaml.safe_load(sys.argv[1])["type"])' "$e")"); done
# The list without the entries whose type is in $@, as one --set value.
without() {
  local keep=() i t
  for i in "${!entries[@]}"; do
    t=${types[$i]}
    [[ " $* " == *" $t "* ]] || keep+=("${entries[$i]}")
  done
  local IFS=,
  echo "train.augment=[${keep[*]}]"
}
# The list with one more entry, as one --set value.
with() {
  local all=("${entries[@]}" "$1")
  local IFS=,
  echo "train.augment=[${all[*]}]"
}
has_crop=0
[[ " ${types[*]} " == *" crop "* ]] && has_crop=1
epochs=$(python3 -c 'import sys, yaml; print((yaml.safe_load(open(sys.argv[1])).get("train") or {}).get("epochs", 10))' "$experiment")
declare -A variant_sets=(
  [recipe]=""
  [with_crop]="$(with '{type: crop}')"
  [no_crop]="$(without crop)"
  [no_speed]="$(without speed)"
  [no_gain]="$(without gain)"
  [no_masks]="$(without freq_mask time_mask)"
  [no_mixup]="$(without mixup)"
  [none]="train.augment=[]"
  [longer]="train.epochs=$((2 * epochs))"
  [seed2]="protocol.seeds=[2]"
  [seed3]="protocol.seeds=[3]"
)
# Further --set values of a variant (space-separated; none of them holds a space).
declare -A variant_more=(
  [longer]="train.lr_schedule=cosine"
  [seed2]="data.split_seed=1"
  [seed3]="data.split_seed=1"
)
order=(recipe with_crop no_crop no_speed no_masks no_mixup no_gain none longer seed2 seed3)
# A variant that takes nothing out of this recipe is the recipe itself: not run twice; with_crop
# only when the recipe has no crop.
listed=()
for v in "${order[@]}"; do
  if [[ "$v" == with_crop ]]; then
    ((has_crop)) || listed+=("$v")
    continue
  fi
  if [[ "$v" != recipe && "$v" != none && "${variant_sets[$v]}" == "$(without)" ]]; then
    continue
  fi
  listed+=("$v")
done
if ((${#only[@]})); then
  for v in "${only[@]}"; do
    [[ -v "variant_sets[$v]" ]] || { echo "recipe_ablation: --only $v: no such variant (${order[*]})" >&2; exit 2; }
  done
  listed=("${only[@]}")
fi

start=$(date +%s)
elapsed() { local s=$(( $(date +%s) - start )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
echo "recipe_ablation: ${#listed[@]} variants of $experiment on $data (5-fold over tracks, seed 1) into $out"
failed=()
i=0
for v in "${listed[@]}"; do
  i=$((i + 1))
  dir="$out/$v"
  log="$out/logs/$v.log"
  sets=(--set data.source=gtzan --set "data.root=$data" --set data.split=track_stratified
        --set protocol.folds=5 --set protocol.fold=-1 --set "protocol.seeds=[1]"
        --set "features.cache_dir=$out/cache" --set "device=$device")
  # none: no augmentation, so nothing needs the audio of each batch: precomputed features.
  [[ "$v" == none ]] && sets+=(--set features.mode=precomputed)
  [[ -n "${variant_sets[$v]}" ]] && sets+=(--set "${variant_sets[$v]}")
  note="${variant_sets[$v]:-the recipe as written}"
  for m in ${variant_more[$v]:-}; do
    sets+=(--set "$m")
    note+=" $m"
  done
  run_protocol "[$i/${#listed[@]}]" "$v" "$dir" "$log" variant.txt \
    "$note" "$bin" -- "$experiment" "${sets[@]}" --out "$dir"
done

echo "recipe_ablation: peers at $(elapsed)"
if python3 -c 'import sklearn, librosa' 2>/dev/null; then
  python3 scripts/results/peers.py "$out" --data "$data" --ref "${listed[0]}" || echo "recipe_ablation: peers failed"
else
  echo "recipe_ablation: peers skipped: scikit-learn or librosa missing (pip install scikit-learn librosa)"
fi
table_args=("$out" --out "$out/ablation.md")
[[ -n "$paper_runs" ]] && table_args+=(--paper-runs "$paper_runs")
python3 scripts/results/ablation_table.py "${table_args[@]}" || echo "recipe_ablation: the table failed"
echo "recipe_ablation: finished in $(elapsed) ($(( $(date +%s) - start )) s); table $out/ablation.md"
if ((${#failed[@]})); then
  echo "recipe_ablation: failed: ${failed[*]}"
  exit 1
fi
