#!/usr/bin/env bash
# Soak test of sweeps (issue 22): a sweep killed again and again must still end with every run
# complete and every figure identical to the same sweep run once without interruption.
#
# Local part: a 54-run sweep of the tiny experiment (2 recurrent types x 3 learning rates x
# 9 seeds, 3 epochs) is run once uninterrupted (the reference), then again into a fresh folder
# with its own corpus and feature cache while this script SIGKILLs, at random moments, a worker
# (a run in progress: a forked copy of sweep, or run_experiment under --exec), the sweep process
# itself (its workers live on as orphans while the next sweep starts), or the sweep and all its
# workers at once (a lost node); after each sweep kill `sweep` is started again (forked workers
# or --exec, at random), and again whenever it exits with runs left, until --status says every
# run is done.
# Slurm part: the same on a single-node Slurm (scripts/slurm/start_local_slurm.sh): `sweep
# --slurm` submits the array, random array tasks are cancelled (scancel JOB_TASK) or requeued
# (scontrol requeue JOB_TASK, running or finished ones), `sweep --slurm` is run again now and
# then while the array runs (it must skip what is queued or running) and whenever no array task
# is left while runs are incomplete, until --status says every run is done.
# Checks for both: --status reports all runs done; a further sweep finds nothing to run; every
# run's metrics.json, history.csv, confusion matrices, split.csv, table_row.md and config.yaml,
# every point's aggregate and the sweep's tables equal the reference's once the fields that
# legitimately differ are set aside (timing_seconds, the epoch_seconds and
# train_clips_per_second columns, data.feature_cache hit/miss, "resumed", and the folders
# written into the files); no temporary file (*.tmp, *.tmp.PID) is left anywhere.
# The kills are drawn from a seeded RNG whose seed is printed (--seed replays the same draws;
# the moments they land on still depend on timing).
# Usage: scripts/sweep_soak.sh [build-dir] [--seed N] [--only local|slurm] [--keep]
#   (the Slurm part needs root and ./scripts/setup.sh --with-slurm; CI runs both from .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
build=build
seed=""
only=""
keep=0
while (($#)); do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -*) echo "sweep_soak: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
[[ -z "$only" || "$only" == local || "$only" == slurm ]] || { echo "sweep_soak: --only local|slurm" >&2; exit 2; }
build=$(cd "$build" && pwd)
bin=$build/bin
for p in sweep run_experiment; do
  [[ -x "$bin/$p" ]] || { echo "sweep_soak: FAIL: no $bin/$p (build first)" >&2; exit 1; }
done
[[ -n "$seed" ]] || seed=$(( $(date +%s%N) % 1000000 ))
RANDOM=$seed  # every draw below comes from this sequence (in this shell, never a subshell)
echo "sweep_soak: seed $seed (replay the draws with --seed $seed)"

work=$(mktemp -d /tmp/mgr-sweep-soak.XXXXXX)
slurm_state=""
fail() {
  echo "sweep_soak: FAIL: $*" >&2
  echo "sweep_soak: seed $seed; files kept in $work" >&2
  keep=1
  exit 1
}
cleanup() {
  local pid
  for pid in $(ours); do kill -9 "$pid" 2>/dev/null || true; done
  if [[ -n "$slurm_state" ]]; then
    scancel --name=sweep-soak_slurm 2>/dev/null || true
    scripts/slurm/stop_local_slurm.sh "$slurm_state" 2>/dev/null || true
    ((keep)) || rm -rf "$slurm_state"
  fi
  if ((keep == 0)); then rm -rf "$work"; fi
}
trap cleanup EXIT

# Processes of this soak: the ones whose command line names a path under $work (sweeps, their
# forked workers, run_experiment, Slurm array tasks). Read from /proc with builtins only.
ours() {
  local f pid args
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    { mapfile -d '' -t args <"$f"; } 2>/dev/null || continue
    [[ "${args[*]-}" == *"$work/"* ]] && echo "$pid"
  done
  return 0
}
# True while the process exists and is not a zombie.
alive() {
  local st=""
  [[ -r /proc/$1/stat ]] || return 1
  read -r _ _ st _ </proc/"$1"/stat 2>/dev/null || return 1
  [[ "$st" != Z ]]
}
# A random delay of 0..$1 ms, slept.
rsleep() {
  local ms=$((RANDOM % ($1 + 1))) s
  printf -v s '%d.%03d' $((ms / 1000)) $((ms % 1000))
  sleep "$s"
}
# Waits until no process of this soak is left (orphaned workers finish their runs), at most $1 s.
wait_quiet() {
  local t=$((SECONDS + $1)) left
  while :; do
    left=$(ours)
    [[ -z "$left" ]] && return 0
    ((SECONDS < t)) || fail "processes still running $1 s after the sweep finished: ${left//$'\n'/ }"
    sleep 0.2
  done
}

# Writes a sweep file: FILE NAME OUT DATA_ROOT CACHE SEEDS RNN_TYPES LEARNING_RATES
write_sweep() {
  cat >"$1" <<YAML
name: $2
experiment: $repo/tests/data/sweep/tiny.yaml
out: $3
set:
  data.root: $4
  features.cache_dir: $5
  train.epochs: 3
  train.batch_size: 2
grid:
  model.layers.rnn.type: [$7]
  train.lr: [$8]
protocol:
  seeds: [$6]
slurm:
  partition: debug
  time: "00:10:00"
  cpus_per_task: 1
YAML
}

# Compares a soaked sweep folder with the reference, prints one line per difference (FAIL then).
compare() {
  python3 - "$@" <<'PY'
import csv, io, json, os, re, sys

ref, soak, ref_data, soak_data, ref_cache, soak_cache = sys.argv[1:7]
problems = []

def read(path, root, data, cache):
    # The folders written into the files are the only text that may differ.
    with open(path) as f:
        return f.read().replace(root, "<OUT>").replace(data, "<DATA>").replace(cache, "<CACHE>")

def strip_json(j):
    if isinstance(j, dict):
        out = {}
        for k, v in j.items():
            if k in ("timing_seconds", "resumed"):
                continue
            if k == "data" and isinstance(v, dict):
                v = {dk: dv for dk, dv in v.items() if dk != "feature_cache"}
            out[k] = strip_json(v)
        return out
    if isinstance(j, list):
        return [strip_json(x) for x in j]
    return j

def first_diff(a, b, where=""):
    if type(a) is not type(b):
        return f"{where or '/'}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}/{k}: only in {'reference' if k in a else 'soak'}"
            d = first_diff(a[k], b[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} entries != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"

def history_rows(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        r.pop("epoch_seconds", None)
        r.pop("train_clips_per_second", None)
    return rows

compared = 0
for dirpath, _, files in os.walk(ref):
    rel = os.path.relpath(dirpath, ref)
    if rel.split(os.sep)[0] == "slurm":
        continue
    for name in files:
        if name.endswith(".json") and name not in ("metrics.json",):
            continue
        if not (name in ("metrics.json", "history.csv", "split.csv", "table_row.md",
                         "config.yaml", "tables.md", "tables.csv")
                or re.fullmatch(r"confusion_\w+\.csv", name)):
            continue
        a_path, b_path = os.path.join(dirpath, name), os.path.join(soak, rel, name)
        what = os.path.normpath(os.path.join(rel, name))
        if not os.path.isfile(b_path):
            problems.append(f"{what}: missing in the soaked sweep")
            continue
        a, b = read(a_path, ref, ref_data, ref_cache), read(b_path, soak, soak_data, soak_cache)
        compared += 1
        if name == "metrics.json":
            try:
                ja, jb = strip_json(json.loads(a)), strip_json(json.loads(b))
            except json.JSONDecodeError as e:
                problems.append(f"{what}: not valid JSON ({e})")
                continue
            d = first_diff(ja, jb)
            if d:
                problems.append(f"{what}: {d}")
        elif name == "history.csv":
            ha, hb = history_rows(a), history_rows(b)
            if ha != hb:
                problems.append(f"{what}: differs (beside the time columns)")
        elif a != b:
            la, lb = a.splitlines(), b.splitlines()
            i = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            problems.append(f"{what}: line {i + 1} differs")
for p in problems[:20]:
    print(p)
if len(problems) > 20:
    print(f"... and {len(problems) - 20} more")
print(f"compared {compared} files", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# The checks both parts end with. PART FILE RUNS OUT DATA CACHE REF_OUT REF_DATA REF_CACHE
final_checks() {
  local part=$1 file=$2 runs=$3 out=$4 data=$5 cache=$6 ref_out=$7 ref_data=$8 ref_cache=$9
  local st again tmps d
  st=$("$bin/sweep" "$file" --status) || fail "$part: --status failed: $st"
  [[ "$st" == *"$runs runs: $runs done, 0 running, 0 queued, 0 failed, 0 pending"* ]] ||
    fail "$part: not every run is done: $(head -n 1 <<<"$st")"
  for d in "$out"/*/seed-*; do
    [[ -s "$d/metrics.json" ]] || fail "$part: $d has no metrics.json"
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s.get("state")!="done")' \
      "$d/sweep_status.json" || fail "$part: $d/sweep_status.json is not a valid 'done' status"
  done
  tmps=$(find "$out" "$data" "$cache" \( -name '*.tmp' -o -name '*.tmp.*' \) | head -n 5)
  [[ -z "$tmps" ]] || fail "$part: temporary files left: ${tmps//$'\n'/ }"
  compare "$ref_out" "$out" "$ref_data" "$data" "$ref_cache" "$cache" >"$work/$part.diff" \
    2>"$work/$part.compare.log" ||
    fail "$part: figures differ from the uninterrupted sweep: $(head -n 1 "$work/$part.diff") ($(wc -l <"$work/$part.diff") lines in $work/$part.diff)"
  again=$("$bin/sweep" "$file" --workers 2 2>&1) || fail "$part: a further sweep failed: $again"
  [[ "$again" == *"$runs already complete, 0 to run"* ]] ||
    fail "$part: a further sweep found runs to do: $(head -n 1 <<<"$again")"
  echo "sweep_soak: $part: $runs runs done, figures identical to the uninterrupted sweep ($(cat "$work/$part.compare.log")), no temporary files"
}

# The uninterrupted reference: PART FILE RUNS
reference() {
  local t=$SECONDS
  nice -n 19 "$bin/sweep" "$2" --workers 2 >"$work/$1-ref.log" 2>&1 ||
    fail "$1: the uninterrupted reference sweep failed (log $work/$1-ref.log)"
  grep -q "$3 runs: $3 done" "$work/$1-ref.log" || fail "$1: the reference sweep did not finish its $3 runs"
  echo "sweep_soak: $1: uninterrupted reference sweep of $3 runs in $((SECONDS - t)) s"
}

# ---------------------------------------------------------------------------------------------
# Local part.
soak_local() {
  local t0=$SECONDS runs=54 deadline spid="" rc kills_worker=0 kills_sweep=0 kills_all=0
  local starts=0 exits=0 max_kills=${MGR_SOAK_MAX_KILLS:-60} pids victim n st resumed
  local file=$work/local.yaml seeds="1, 2, 3, 4, 5, 6, 7, 8, 9" rnns="gru, lstm" lrs="0.003, 0.01, 0.001"
  write_sweep "$work/local-ref.yaml" soak_local "$work/local-ref/out" "$work/local-ref/corpus" \
    "$work/local-ref/cache" "$seeds" "$rnns" "$lrs"
  write_sweep "$file" soak_local "$work/local/out" "$work/local/corpus" "$work/local/cache" \
    "$seeds" "$rnns" "$lrs"
  reference local "$work/local-ref.yaml" "$runs"

  local t1=$SECONDS
  deadline=$((SECONDS + ${MGR_SOAK_LOCAL_BUDGET:-240}))
  start_sweep() {
    mode=()
    ((RANDOM % 2)) && mode=(--exec)
    nice -n 19 "$bin/sweep" "$file" --workers 2 "${mode[@]}" --run-experiment "$bin/run_experiment" \
      >>"$work/local.log" 2>&1 &
    spid=$!
    starts=$((starts + 1))
  }
  start_sweep
  while :; do
    ((SECONDS < deadline)) || fail "local: runs still incomplete after ${MGR_SOAK_LOCAL_BUDGET:-240} s ($("$bin/sweep" "$file" --status 2>&1 | head -n 1))"
    if ! alive "$spid"; then
      rc=0
      wait "$spid" || rc=$?
      st=$("$bin/sweep" "$file" --status)
      if [[ $rc -eq 0 && "$st" == *"$runs runs: $runs done,"* ]]; then
        break
      fi
      ((rc == 0 || rc == 1)) || fail "local: sweep exited with status $rc (log $work/local.log)"
      exits=$((exits + 1))  # runs failed (killed workers): the next sweep reruns them
      start_sweep
      continue
    fi
    ((kills_worker + kills_sweep + kills_all < max_kills)) || { sleep 0.1; continue; }
    rsleep 200
    alive "$spid" || continue
    n=$((RANDOM % 10))
    mapfile -t pids < <(ours)
    local workers=()
    for victim in "${pids[@]}"; do [[ "$victim" != "$spid" ]] && workers+=("$victim"); done
    if ((n < 6)); then
      ((${#workers[@]})) || continue
      victim=${workers[RANDOM % ${#workers[@]}]}
      kill -9 "$victim" 2>/dev/null && kills_worker=$((kills_worker + 1))
    elif ((n < 9)); then
      kill -9 "$spid" 2>/dev/null && kills_sweep=$((kills_sweep + 1))
      wait "$spid" 2>/dev/null || true
      rsleep 200
      start_sweep
    else
      kill -9 "$spid" "${workers[@]}" 2>/dev/null && kills_all=$((kills_all + 1))
      wait "$spid" 2>/dev/null || true
      start_sweep
    fi
  done
  ((kills_worker + kills_sweep + kills_all >= 20)) ||
    fail "local: the sweep finished after only $((kills_worker + kills_sweep + kills_all)) kills (at least 20 wanted)"
  wait_quiet 60
  # A worker orphaned by a killed sweep may itself be killed after the last sweep's closing
  # cleanup, mid-write: its temporary stays until the sweep is invoked again, which is what a
  # user does after an interruption. Invoke it once more (nothing left to run), then check.
  nice -n 19 "$bin/sweep" "$file" --workers 2 --run-experiment "$bin/run_experiment" \
    >>"$work/local.log" 2>&1 || fail "local: the closing sweep invocation failed (see $work/local.log)"
  resumed=$(grep -l '"resumed": true' "$work"/local/out/*/seed-*/metrics.json | wc -l)
  echo "sweep_soak: local: $((kills_worker + kills_sweep + kills_all)) SIGKILLs ($kills_worker of a worker, $kills_sweep of the sweep alone, $kills_all of the sweep with its workers), sweep started $starts times ($exits after it exited with killed runs), $resumed runs finished by a resumed run, $((SECONDS - t1)) s"
  final_checks local "$file" "$runs" "$work/local/out" "$work/local/corpus" "$work/local/cache" \
    "$work/local-ref/out" "$work/local-ref/corpus" "$work/local-ref/cache"
  echo "sweep_soak: local part passed in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------------------------
# Slurm part.
soak_slurm() {
  local t0=$SECONDS runs=16 file=$work/slurm.yaml seeds="1, 2, 3, 4" rnns="gru, lstm" lrs="0.003, 0.01"
  local deadline t1 submissions=0 cancels=0 requeues=0 actions=0 max_actions=${MGR_SOAK_SLURM_ACTIONS:-24}
  local tasks=() live=() cancellable=() requeueable=() line id state reason st out n midway=0
  { command -v sbatch && command -v scontrol; } >/dev/null 2>&1 ||
    fail "slurm: no sbatch / scontrol (./scripts/setup.sh --with-slurm; or --only local)"
  write_sweep "$work/slurm-ref.yaml" soak_slurm "$work/slurm-ref/out" "$work/slurm-ref/corpus" \
    "$work/slurm-ref/cache" "$seeds" "$rnns" "$lrs"
  write_sweep "$file" soak_slurm "$work/slurm/out" "$work/slurm/corpus" "$work/slurm/cache" \
    "$seeds" "$rnns" "$lrs"
  reference slurm "$work/slurm-ref.yaml" "$runs"
  # Outside $work: the daemons' command lines name their state folder, and ours() must not
  # count them among the soak's processes.
  slurm_state=$(mktemp -d /tmp/mgr-sweep-soak-slurm.XXXXXX)
  eval "$(scripts/slurm/start_local_slurm.sh "$slurm_state")"

  t1=$SECONDS
  deadline=$((SECONDS + ${MGR_SOAK_SLURM_BUDGET:-240}))
  submit() {
    out=$("$bin/sweep" "$file" --slurm --sbatch-arg=--mem=400M 2>&1) || fail "slurm: sweep --slurm: $out"
    printf '%s\n' "$out" >>"$work/slurm.log"
  }
  submit
  submissions=1
  while :; do
    ((SECONDS < deadline)) || fail "slurm: runs still incomplete after ${MGR_SOAK_SLURM_BUDGET:-240} s ($("$bin/sweep" "$file" --status 2>&1 | head -n 1); squeue: $(squeue -h -r -o '%i %t %r' | head -n 5 | tr '\n' ' '))"
    # Every task of every array of this sweep that Slurm still remembers, one line each
    # ("JOB_TASK STATE REASON": 12_3 R None, 12_4 PD Resources, 11_0 CD None).
    mapfile -t tasks < <(squeue -h -r -t all --name=sweep-soak_slurm -o '%i %t %r')
    live=() cancellable=() requeueable=()
    for line in "${tasks[@]}"; do
      read -r id state reason <<<"$line"
      # Slurm holds a requeued task back (its start time 120 s on); the update right after the
      # requeue can come too early for a running one, so any task held so is let go here.
      if [[ "$state" == PD && "$reason" == BeginTime ]]; then
        scontrol update JobId="$id" StartTime=now 2>/dev/null || true
      fi
      case "$state" in
        CD) requeueable+=("$id") ;;
        R) live+=("$id") cancellable+=("$id") requeueable+=("$id") ;;
        PD) live+=("$id") cancellable+=("$id") ;;
        CA | F | TO | NF | OOM | PR | BF | DL) ;;
        *) live+=("$id") ;;
      esac
    done
    if ((${#live[@]} == 0)); then
      st=$("$bin/sweep" "$file" --status)
      if [[ "$st" == *"$runs runs: $runs done,"* ]]; then
        submit  # finds nothing to submit, writes the points' aggregates and the tables
        [[ "$out" == *"nothing to submit"* ]] || fail "slurm: all runs done, yet sweep --slurm submitted: $out"
        break
      fi
      submit  # the array is gone, runs are not done: what is left goes again
      submissions=$((submissions + 1))
      continue
    fi
    if ((actions >= max_actions)); then sleep 0.5; continue; fi
    rsleep 1500
    n=$((RANDOM % 12))
    if ((n < 2)); then
      # A resubmission while tasks run: what is queued or running under a live array is skipped.
      submit
      midway=$((midway + 1))
    elif ((n < 7)); then
      ((${#cancellable[@]})) || continue
      id=${cancellable[RANDOM % ${#cancellable[@]}]}
      scancel "$id" 2>/dev/null && cancels=$((cancels + 1))
    else
      ((${#requeueable[@]})) || continue
      id=${requeueable[RANDOM % ${#requeueable[@]}]}
      if scontrol requeue "$id" 2>/dev/null; then
        requeues=$((requeues + 1))
        scontrol update JobId="$id" StartTime=now 2>/dev/null || true
      fi
    fi
    actions=$((actions + 1))
  done
  ((cancels + requeues >= 10)) ||
    fail "slurm: the sweep finished after only $((cancels + requeues)) cancels and requeues (at least 10 wanted)"
  wait_quiet 60
  echo "sweep_soak: slurm: $cancels array tasks cancelled (scancel), $requeues requeued (scontrol requeue), sweep --slurm run $((submissions + midway)) times ($((submissions - 1)) resubmissions after the array was gone, $midway while it ran), $((SECONDS - t1)) s"
  final_checks slurm "$file" "$runs" "$work/slurm/out" "$work/slurm/corpus" "$work/slurm/cache" \
    "$work/slurm-ref/out" "$work/slurm-ref/corpus" "$work/slurm-ref/cache"
  scripts/slurm/stop_local_slurm.sh "$slurm_state" 2>/dev/null
  rm -rf "$slurm_state"
  slurm_state=""
  echo "sweep_soak: slurm part passed in $((SECONDS - t0)) s"
}

start=$SECONDS
if [[ "$only" != slurm ]]; then soak_local; fi
if [[ "$only" != local ]]; then soak_slurm; fi
echo "sweep_soak: passed in $((SECONDS - start)) s"
