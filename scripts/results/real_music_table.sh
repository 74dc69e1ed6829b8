#!/usr/bin/env bash
# Every classifier experiment of papers 000-004 on real music: the gtzan-mini excerpts (100 GTZAN
# tracks, 10 per genre, Ogg Vorbis), 5-fold cross-validation over tracks (stratified by genre:
# per fold 2 test, 2 validation and 6 training tracks per genre), seed 1, with a CPU budget per
# experiment where the paper's schedule does not fit a 2-core machine; then the two classic peers
# (scripts/results/peers.py) on the same folds and the table (scripts/results/make_table.py).
#
# Usage: scripts/results/real_music_table.sh [--data DIR] [--out DIR] [--bin DIR]
#          [--experiments DIR] [--device D] [--only NAME...]
#   --data DIR         the gtzan-mini folder (<genre>/<genre>.NNNNN.ogg); default $MGR_GTZAN_MINI
#   --out DIR          where the runs go (default runs/real-music): <out>/<name>/ per experiment
#                      (fold folders seed-1-fold-K/, the aggregate metrics.json, budget.txt),
#                      <out>/logs/<name>.log, <out>/peers.json, <out>/real_music.md
#   --bin DIR          run_experiment's folder (default build/bin)
#   --experiments DIR  the experiment YAMLs (default experiments/)
#   --device D         auto (default) | cpu | cuda | cuda:N
#   --only NAME...     only these experiments (the remaining arguments)
#
# Resumable: an experiment whose <out>/<name>/metrics.json exists is skipped; one that was
# interrupted continues with `run_experiment --resume <out>/<name>` (finished folds are kept,
# the stopped fold continues from its last completed epoch). The peers and the table are redone
# at the end of every invocation. Exit status 1 when some experiment failed (the others run).
set -uo pipefail
# Paths given as arguments are taken from the caller's folder; the defaults from the repository's.
abs() { [[ "$1" == /* ]] && echo "$1" || echo "$PWD/$1"; }
data=${MGR_GTZAN_MINI:-} out=runs/real-music bin=build/bin expdir=experiments device=auto
only=()
while (($#)); do
  case "$1" in
    --data) data=$(abs "$2"); shift ;;
    --out) out=$(abs "$2"); shift ;;
    --bin) bin=$(abs "$2"); shift ;;
    --experiments) expdir=$(abs "$2"); shift ;;
    --device) device=$2; shift ;;
    --only) shift; only=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "real_music_table: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$data" ]] && data=$(abs "$data")
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/results/fold_runs.sh
source scripts/results/fold_runs.sh || exit 2
if [[ -z "$data" ]]; then
  echo "real_music_table: no data folder: give --data DIR or set MGR_GTZAN_MINI to the gtzan-mini folder" >&2
  exit 2
fi
[[ -d "$data" ]] || { echo "real_music_table: data folder '$data' does not exist" >&2; exit 2; }
[[ -x "$bin/run_experiment" ]] || { echo "real_music_table: $bin/run_experiment not built" >&2; exit 2; }
data=$(cd "$data" && pwd)
mkdir -p "$out/logs"

# The order: cheap first, so that an interrupted table has the most rows. Experiments found in
# the folder but not listed here run after these, on the paper's schedule.
order=(knn_baseline knn_handcrafted dawra_cnn lstm_mfcc stft_lstm crnn_gru dcgan_judge
       hierarchical crnn_lstm stft_cnn_simple stft_cnn_complex baseline_cnn baseline_prcnn
       stft_rcnn_vote crnn4_whole_track stft_rcnn_whole_track stft_rcnn)

# The CPU budget: overrides of the training schedule where the paper's does not fit (about 2-10
# minutes for the 5 folds on a shared 2-core CPU, from per-epoch times measured on fold 0), and
# the text the table shows. No entry: the experiment's own schedule.
declare -A budget=(
  [stft_lstm]="train.epochs=15"
  [crnn_gru]="train.epochs=5"
  [crnn_lstm]="train.epochs=5"
  [dcgan_judge]="train.epochs=4"
  [hierarchical]="train.epochs=5 model.tree.lstm1.train.epochs=5 model.tree.lstm2a.train.epochs=5 model.tree.lstm2b.train.epochs=5 model.tree.lstm3a.train.epochs=5 model.tree.lstm3b.train.epochs=5 model.tree.lstm3c.train.epochs=5 model.tree.lstm3d.train.epochs=5"
  [stft_cnn_simple]="train.iterations=30"
  [stft_cnn_complex]="train.iterations=30"
  [baseline_cnn]="train.epochs=1"
  [baseline_prcnn]="train.epochs=1"
  [stft_rcnn_vote]="train.iterations=8"
  [crnn4_whole_track]="train.epochs=1"
  [stft_rcnn_whole_track]="train.iterations=1"
  [stft_rcnn]="train.iterations=8"
)

# A GAN's experiment file (model: type: gan): generated spectrograms, no genre accuracy.
is_gan() { grep -Eq '^  type: gan([[:space:]]|#|$)' "$1"; }

names=()
for f in "$expdir"/*.yaml; do
  n=$(basename "$f" .yaml)
  [[ "$n" == *_track_split ]] && continue   # the twin differs only in data.split, set here anyway
  is_gan "$f" && continue
  names+=("$n")
done
listed=()
for n in "${order[@]}"; do [[ " ${names[*]} " == *" $n "* ]] && listed+=("$n"); done
for n in "${names[@]}"; do [[ " ${order[*]} " == *" $n "* ]] || listed+=("$n"); done
if ((${#only[@]})); then
  for n in "${only[@]}"; do
    [[ " ${listed[*]} " == *" $n "* ]] || { echo "real_music_table: --only $n: not a classifier experiment in $expdir" >&2; exit 2; }
  done
  listed=("${only[@]}")
fi

start=$(date +%s)
elapsed() { local s=$(( $(date +%s) - start )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
echo "real_music_table: ${#listed[@]} experiments on $data (5-fold over tracks, seed 1) into $out"
failed=()
i=0
for n in "${listed[@]}"; do
  i=$((i + 1))
  dir="$out/$n"
  log="$out/logs/$n.log"
  sets=(--set data.source=gtzan --set "data.root=$data" --set data.split=track_stratified
        --set protocol.folds=5 --set protocol.fold=-1 --set "protocol.seeds=[1]"
        --set "features.cache_dir=$out/cache" --set "device=$device")
  text="paper schedule"
  if [[ -n "${budget[$n]:-}" ]]; then
    for kv in ${budget[$n]}; do sets+=(--set "$kv"); done
    text="${budget[$n]}"
  fi
  run_protocol "[$i/${#listed[@]}]" "$n" "$dir" "$log" budget.txt "$text" "$bin" -- \
    "$expdir/$n.yaml" "${sets[@]}" --out "$dir"
done

echo "real_music_table: peers at $(elapsed)"
if python3 -c 'import sklearn, librosa' 2>/dev/null; then
  python3 scripts/results/peers.py "$out" --data "$data" || echo "real_music_table: peers failed"
else
  echo "real_music_table: peers skipped: scikit-learn or librosa missing (pip install scikit-learn librosa)"
fi
python3 scripts/results/make_table.py "$out" --experiments "$expdir" --out "$out/real_music.md" ||
  echo "real_music_table: the table failed"
echo "real_music_table: finished in $(elapsed) ($(( $(date +%s) - start )) s); table $out/real_music.md"
if ((${#failed[@]})); then
  echo "real_music_table: failed: ${failed[*]}"
  exit 1
fi
