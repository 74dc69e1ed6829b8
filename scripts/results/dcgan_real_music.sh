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
#                           quality/epoch_NNN.json          the metrics.json written after epoch NNN
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
# The per-epoch curve: the run measures its generator (model.gan.classifier_run) once, when it
# finishes; this build writes no quality.by_epoch of its own, and a finished run cannot be
# continued with more epochs (training_state.h5 records the total number of steps and --resume
# refuses another). So while a GAN trains, the script keeps each epoch's generator.h5 and
# training_state.h5 (snapshots/epoch_NNN/, taken when samples/epoch_NNN.png appears); after the
# run, each earlier epoch k is measured by a copy of the finished run (measure/epoch_NNN/) whose
# training_state.h5 carries epoch k's generator (parameters and batch-norm statistics, copied
# with h5py), continued with `run_experiment --resume`: no epoch is left to train, so it only
# measures. Its metrics.json is kept as quality/epoch_NNN.json (the last epoch's is the run's
# own), and the curve is gathered into quality_by_epoch.json and into the run's metrics.json as
# quality.by_epoch (the report's Frechet curve). Every measurement uses the same generator seed,
# the real training clips (at most 2000) as reference and as many generated clips as the test
# split holds (model.gan.eval_samples 0), so the held-back real clips are a like-for-like
# ceiling. Needs python3 with h5py (pip install h5py) for the earlier epochs.
#
# Resumable: the judge is skipped when its metrics.json exists (continued with --resume when only
# its config.yaml does); a GAN continues from its last completed epoch (an epoch that ended
# while no script was watching has no snapshot, so no point on the curve); a measured epoch is
# not measured again. --epochs applies to a GAN's first start only: a finished run keeps its
# number (its training state fixes it). Generation is redone at every invocation (it is cheap).
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

# A measurement copy of a finished run: its config.yaml, gan.json and split.csv, and its final
# training_state.h5 with the generator group of the snapshot's state.
measurement_copy() {  # RUN SNAPSHOT DEST
  rm -rf "$3" && mkdir -p "$3" &&
    cp "$1/config.yaml" "$1/gan.json" "$1/training_state.h5" "$1/discriminator.h5" "$3/" &&
    cp "$2/generator.h5" "$3/" &&
    { [[ ! -f "$1/split.csv" ]] || cp "$1/split.csv" "$3/"; } &&
    python3 - "$3/training_state.h5" "$2/training_state.h5" << 'EOF'
import sys
import h5py
with h5py.File(sys.argv[1], "r+") as dst, h5py.File(sys.argv[2], "r") as src:
    del dst["generator"]
    src.copy("generator", dst)
EOF
}

# Gathers quality/epoch_*.json into quality_by_epoch.json and metrics.json quality.by_epoch.
gather() {
  python3 - "$1" << 'EOF'
import csv, glob, json, os, re, sys
run = sys.argv[1]
hist = {}  # the run's own losses per epoch (a measurement copy's metrics.json holds the last's)
if os.path.exists(os.path.join(run, "history.csv")):
    for h in csv.DictReader(open(os.path.join(run, "history.csv"))):
        hist[int(h["epoch"])] = {k: float(v) for k, v in h.items() if k != "epoch"}
rows = []
for f in sorted(glob.glob(os.path.join(run, "quality", "epoch_*.json"))):
    m = json.load(open(f))
    epoch = int(re.search(r"epoch_(\d+)", f).group(1))
    q, g = m.get("quality", {}), hist.get(epoch, {})
    gen, held = q.get("generated", {}), q.get("held_back", {})
    rows.append({"epoch": epoch,
                 "frechet_distance": gen.get("frechet_distance"),
                 "genre_accuracy": gen.get("genre_accuracy"),
                 "classified_as": gen.get("classified_as"),
                 "held_back_frechet_distance": held.get("frechet_distance"),
                 "held_back_genre_accuracy": held.get("genre_accuracy"),
                 "d_loss": g.get("d_loss"), "g_loss": g.get("g_loss"),
                 "d_real": g.get("d_real"), "d_fake": g.get("d_fake")})
note = ("measured by scripts/results/dcgan_real_music.sh after the run: each epoch's generator "
        "(snapshots/epoch_NNN) measured by the run's classifier, as the run measures its last "
        "(quality/epoch_NNN.json)")
json.dump({"note": note, "by_epoch": rows}, open(os.path.join(run, "quality_by_epoch.json"), "w"),
          indent=2)
mp = os.path.join(run, "metrics.json")
if rows and os.path.exists(mp):
    m = json.load(open(mp))
    if "quality" in m:
        m["quality"]["by_epoch"] = rows
        m["quality"]["by_epoch_note"] = note
        open(mp + ".tmp", "w").write(json.dumps(m, indent=2) + "\n")
        os.replace(mp + ".tmp", mp)
print(f"{'epoch':>5} {'Frechet':>9} {'genre acc':>9} {'D loss':>7} {'G loss':>7}")
for r in rows:
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    print(f"{r['epoch']:>5} {fmt(r['frechet_distance']):>9} {fmt(r['genre_accuracy']):>9} "
          f"{fmt(r['d_loss']):>7} {fmt(r['g_loss']):>7}")
if rows:
    print(f" held-back real clips: Frechet {rows[-1]['held_back_frechet_distance']:.3f}, genre "
          f"accuracy {rows[-1]['held_back_genre_accuracy']:.3f}")
EOF
}

epochs_run() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gan"]["epochs_run"])' "$1"; }

# Keeps each epoch's generator.h5 and training_state.h5 of the run in $1 while pid $2 lives:
# epoch k's state is the newest once samples/epoch_k.png exists and epoch k+1's does not.
watch_snapshots() {
  local dir=$1 pid=$2 alive png k next snap
  while :; do
    alive=0
    kill -0 "$pid" 2> /dev/null && alive=1
    for png in "$dir"/samples/epoch_*.png; do
      [[ -f "$png" ]] || continue
      k=$(basename "$png" .png)
      k=${k#epoch_}
      snap=$dir/snapshots/epoch_$k
      next=$dir/samples/epoch_$(printf %03d $((10#$k + 1))).png
      [[ -f "$snap/training_state.h5" || -f "$next" ]] && continue
      [[ -f "$dir/training_state.h5" && "$dir/training_state.h5" -nt "$png" ]] || continue
      sleep 2  # the state is written atomically; let the writer finish its rename
      mkdir -p "$snap.tmp" && cp "$dir/generator.h5" "$dir/training_state.h5" "$snap.tmp/" &&
        rm -rf "$snap" && mv "$snap.tmp" "$snap"
    done
    ((alive)) || break
    sleep 5
  done
}

epochs_run() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gan"]["epochs_run"])' "$1"; }

# (b) One GAN for --epochs epochs, snapshots after each, then each epoch measured.
train_gan() {
  local name=$1 dir=$out/$1 log=$out/logs/$1.log pid rc
  if [[ ! -f "$dir/metrics.json" ]]; then
    if [[ -f "$dir/config.yaml" ]]; then
      say "$name: continuing $dir"
      "$bin/run_experiment" --resume "$dir" >> "$log" 2>&1 &
    else
      say "$name: training for $epochs epochs"
      "$bin/run_experiment" "experiments/$name.yaml" "${common[@]}" \
        --set "train.epochs=$epochs" --set "model.gan.classifier_run=$judge" \
        --set model.gan.sample_every=1 --set model.gan.eval_samples=0 \
        --out "$dir" > "$log" 2>&1 &
    fi
    pid=$!
    watch_snapshots "$dir" "$pid" &
    wait "$pid"
    rc=$?
    wait
    ((rc == 0)) || { say "$name failed: see $log"; return 1; }
  fi
  local final k m snap
  final=$(epochs_run "$dir/metrics.json") || { say "$name: unreadable metrics.json"; return 1; }
  mkdir -p "$dir/quality"
  cp "$dir/metrics.json" "$dir/quality/epoch_$(printf %03d "$final").json"
  for snap in "$dir"/snapshots/epoch_*/; do
    [[ -f "$snap/training_state.h5" ]] || continue
    k=$(basename "$snap")
    k=${k#epoch_}
    ((10#$k < final)) || continue
    [[ -f "$dir/quality/epoch_$k.json" ]] && continue
    m=$dir/measure/epoch_$k
    say "$name: measuring epoch $((10#$k))"
    measurement_copy "$dir" "$snap" "$m" &&
      "$bin/run_experiment" --resume "$m" >> "$out/logs/$name.measure.log" 2>&1 &&
      cp "$m/metrics.json" "$dir/quality/epoch_$k.json" ||
      { say "$name: measuring epoch $k failed: see $out/logs/$name.measure.log"; return 1; }
  done
  say "$name: $final epochs; the curve:"
  gather "$dir"
}

# (c) A few clips per genre from the conditional generator (spectrograms, grid, WAVs from
# generate), and invert_mel on two of each genre's generated spectrograms.
generate_conditional() {
  local dir=$out/dcgan_mel_conditional g
  local genres
  genres=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["genres"]))' \
    "$dir/gan.json" 2> /dev/null) || genres=$(ls "$data" | grep -v '\.' | tr '\n' ' ')
  mkdir -p "$out/generated" "$out/inverted"
  for g in $genres; do
    "$bin/generate" "$dir" --genre "$g" -n "$per_genre" --seed 1 --device "$device" \
      --out "$out/generated/$g" >> "$out/logs/generate.log" 2>&1 ||
      { say "generate --genre $g failed: see $out/logs/generate.log"; return 1; }
    "$bin/invert_mel" "$out/generated/$g/generated.h5" --dataset log_mel_db --clips 0,1 \
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
