#!/usr/bin/env bash
# Paper 004's DCGANs on real music (issue 20 item 2): the conditional and the unconditional DCGAN
# (experiments/dcgan_mel_conditional.yaml, experiments/dcgan_mel.yaml) trained on the gtzan-mini
# excerpts (100 GTZAN tracks, 10 per genre, Ogg Vorbis, GTZAN layout), one track-stratified split
# (0.8/0.1/0.1, seed 1), measured after every epoch by a judge classifier
# (experiments/dcgan_judge.yaml) trained on the same features and the same split; then a few
# generated clips per genre from the conditional generator, as spectrograms and WAVs.
#
# Usage: scripts/results/dcgan_real_music.sh [--data DIR] [--out DIR] [--bin DIR] [--epochs N]
#          [--judge-epochs N] [--device D] [--per-genre N]
#   --data DIR          the gtzan-mini folder (<genre>/<genre>.NNNNN.ogg); default $MGR_GTZAN_MINI
#   --out DIR           where everything goes (default runs/dcgan-real):
#                         <out>/judge/                      the judge classifier run
#                         <out>/dcgan_mel_conditional/, <out>/dcgan_mel/   the GAN runs
#                           samples/epoch_NNN.png           generated beside real, every epoch
#                           quality/epoch_NNN.json          the judge's measurement after epoch NNN
#                           quality_by_epoch.json           the curve (also metrics.json quality.by_epoch)
#                         <out>/generated/<genre>/           generate's output of the conditional GAN
#                         <out>/generated/unconditional/     generate's output of the unconditional GAN
#                         <out>/inverted/                    invert_mel's WAVs of a few generated clips
#                         <out>/logs/*.log                   every command's output
#   --bin DIR           folder of run_experiment, generate and invert_mel (default build/bin)
#   --epochs N          GAN epochs (default 3; the paper's schedule, 25, does not fit a 2-core CPU)
#   --judge-epochs N    the judge's epochs (default 8; early stopping as in dcgan_judge.yaml)
#   --device D          auto | cpu (default) | cuda | cuda:N
#   --per-genre N       clips generated per genre (default 4; the unconditional GAN: 10 x N)
#
# The per-epoch curve: each GAN runs with model.gan.quality_every=1, so the run itself measures
# its generator with the judge after every epoch (quality/epoch_NNN.json, metrics.json
# quality.by_epoch); the script copies the curve into quality_by_epoch.json and prints it. Every
# measurement uses the same generator seed, the real training clips (at most 2000) as reference
# and as many generated clips as the test split holds (model.gan.eval_samples 0), so the
# held-back real clips are a like-for-like ceiling. (The first installment in docs/results.md
# was measured before runs could do this, from per-epoch snapshots measured afterwards.)
#
# Resumable: the judge is skipped when its metrics.json exists (continued with --resume when only
# its config.yaml does); a GAN continues from its last completed epoch with the measurements
# taken before it stopped; a finished GAN is trained on when --epochs is more than it has had
# (`run_experiment --resume DIR --epochs N`: the same run continued, its curve extended), so the
# training can grow a few epochs per invocation. Generation is redone at every invocation (it is
# cheap).
# Run it beside other work with `nice -n 19 scripts/results/dcgan_real_music.sh ...`.
set -uo pipefail
cd "$(dirname "$0")/../.."
data=${MGR_GTZAN_MINI:-} out=runs/dcgan-real bin=build/bin epochs=3 judge_epochs=8 device=cpu
per_genre=4
while (($#)); do
  case "$1" in
    --data) data=$2; shift ;;
    --out) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    --epochs) epochs=$2; shift ;;
    --judge-epochs) judge_epochs=$2; shift ;;
    --device) device=$2; shift ;;
    --per-genre) per_genre=$2; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "dcgan_real_music: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$data" ]]; then
  echo "dcgan_real_music: no data folder: give --data DIR or set MGR_GTZAN_MINI to the gtzan-mini folder" >&2
  exit 2
fi
[[ -d "$data" ]] || { echo "dcgan_real_music: data folder '$data' does not exist" >&2; exit 2; }
for t in run_experiment generate invert_mel; do
  [[ -x "$bin/$t" ]] || { echo "dcgan_real_music: $bin/$t not built" >&2; exit 2; }
done
[[ "$epochs" =~ ^[1-9][0-9]*$ ]] || { echo "dcgan_real_music: --epochs must be a positive integer" >&2; exit 2; }
command -v python3 > /dev/null || { echo "dcgan_real_music: python3 is needed to gather the curve" >&2; exit 2; }
data=$(cd "$data" && pwd)
bin=$(cd "$bin" && pwd)
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
start=$(date +%s)
common=(--set data.source=gtzan --set "data.root=$data" --set "features.cache_dir=$out/cache"
        --device "$device")
say() { echo "[dcgan_real_music $(date -u +%H:%M:%S)] $*"; }

# (a) The judge: one split (the GANs' split: same seed, fractions and corpus), a CPU budget.
judge=$out/judge
if [[ -f "$judge/metrics.json" ]]; then
  say "judge: $judge/metrics.json exists, kept"
elif [[ -f "$judge/config.yaml" ]]; then
  say "judge: continuing $judge"
  "$bin/run_experiment" --resume "$judge" >> "$out/logs/judge.log" 2>&1 ||
    { say "judge failed: see $out/logs/judge.log"; exit 1; }
else
  say "judge: training experiments/dcgan_judge.yaml for at most $judge_epochs epochs"
  "$bin/run_experiment" experiments/dcgan_judge.yaml "${common[@]}" \
    --set "train.epochs=$judge_epochs" --out "$judge" > "$out/logs/judge.log" 2>&1 ||
    { say "judge failed: see $out/logs/judge.log"; exit 1; }
fi

# Copies metrics.json quality.by_epoch into quality_by_epoch.json and prints the curve.
curve() {
  python3 - "$1" << 'EOF'
import json, os, sys
run = sys.argv[1]
q = json.load(open(os.path.join(run, "metrics.json"))).get("quality", {})
rows = q.get("by_epoch", [])
if not rows:
    sys.exit(f"{run}: metrics.json has no quality.by_epoch (a run without "
             "model.gan.quality_every)")
json.dump({"note": q.get("by_epoch_note", ""), "by_epoch": rows},
          open(os.path.join(run, "quality_by_epoch.json"), "w"), indent=2)
print(f"{'epoch':>5} {'Frechet':>9} {'genre acc':>9} {'D loss':>7} {'G loss':>7}")
for r in rows:
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    print(f"{r['epoch']:>5} {fmt(r['frechet_distance']):>9} {fmt(r['genre_accuracy']):>9} "
          f"{fmt(r.get('d_loss')):>7} {fmt(r.get('g_loss')):>7}")
print(f" held-back real clips: Frechet {rows[-1]['held_back_frechet_distance']:.3f}, genre "
      f"accuracy {rows[-1]['held_back_genre_accuracy']:.3f}")
EOF
}

# (b) One GAN for --epochs epochs, measured by the judge after each.
train_gan() {
  local name=$1 dir=$out/$1 log=$out/logs/$1.log had
  if [[ -f "$dir/metrics.json" ]]; then
    had=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["train"]["epochs"])' \
      "$dir/config.yaml") || { say "$name: cannot read train.epochs of $dir/config.yaml"; return 1; }
    if ((epochs > had)); then
      say "$name: training on from $had to $epochs epochs"
      "$bin/run_experiment" --resume "$dir" --epochs "$epochs" >> "$log" 2>&1 ||
        { say "$name failed: see $log"; return 1; }
    fi
  else
    if [[ -f "$dir/config.yaml" ]]; then
      say "$name: continuing $dir"
      "$bin/run_experiment" --resume "$dir" >> "$log" 2>&1
    else
      say "$name: training for $epochs epochs"
      "$bin/run_experiment" "experiments/$name.yaml" "${common[@]}" \
        --set "train.epochs=$epochs" --set "model.gan.classifier_run=$judge" \
        --set model.gan.quality_every=1 --set model.gan.sample_every=1 \
        --set model.gan.eval_samples=0 --out "$dir" > "$log" 2>&1
    fi || { say "$name failed: see $log"; return 1; }
  fi
  say "$name: the curve:"
  curve "$dir"
}

# (c) A few clips per genre from the conditional generator (spectrograms, grid, WAVs from
# generate), and invert_mel on two of each genre's generated spectrograms.
generate_conditional() {
  local dir=$out/dcgan_mel_conditional g
  local genres
  genres=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["genres"]))' \
    "$dir/gan.json" 2> /dev/null) || genres=$(ls "$data" | grep -v '\.' | tr '\n' ' ')
  mkdir -p "$out/generated" "$out/inverted"
  local inverted=0,1  # two of each genre's clips, or the one there is
  ((per_genre >= 2)) || inverted=0
  for g in $genres; do
    "$bin/generate" "$dir" --genre "$g" -n "$per_genre" --seed 1 --device "$device" \
      --out "$out/generated/$g" >> "$out/logs/generate.log" 2>&1 ||
      { say "generate --genre $g failed: see $out/logs/generate.log"; return 1; }
    "$bin/invert_mel" "$out/generated/$g/generated.h5" --dataset log_mel_db --clips "$inverted" \
      --config experiments/dcgan_mel_conditional.yaml --device "$device" \
      -o "$out/inverted/$g.wav" >> "$out/logs/invert_mel.log" 2>&1 ||
      { say "invert_mel on $g failed: see $out/logs/invert_mel.log"; return 1; }
  done
}

status=0
train_gan dcgan_mel_conditional || status=1
if [[ -f "$out/dcgan_mel_conditional/metrics.json" ]]; then
  say "generating $per_genre clips per genre from the conditional GAN"
  generate_conditional || status=1
fi
train_gan dcgan_mel || status=1
if [[ -f "$out/dcgan_mel/metrics.json" ]]; then
  "$bin/generate" "$out/dcgan_mel" -n $((10 * per_genre)) --seed 1 --device "$device" \
    --out "$out/generated/unconditional" >> "$out/logs/generate.log" 2>&1 || status=1
fi

# (d) Where everything is.
secs=$(($(date +%s) - start))
say "done in $((secs / 60)) min $((secs % 60)) s (this invocation)"
for name in dcgan_mel_conditional dcgan_mel; do
  d=$out/$name
  [[ -d "$d" ]] || continue
  echo "  $name: curve $d/quality_by_epoch.json (metrics.json quality.by_epoch), losses $d/history.csv,"
  echo "    grids $d/samples/epoch_*.png, log $out/logs/$name.log"
done
echo "  judge: $judge/metrics.json"
echo "  generated: $out/generated/<genre>/{grid.png,sample_NNN.png,sample_NNN.wav,generated.h5}"
echo "  inverted with invert_mel: $out/inverted/<genre>-{0,1}.wav"
exit $status
