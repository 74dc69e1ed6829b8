#!/usr/bin/env bash
# Sharded feature extraction (`extract_features --shards`), against a real single-node Slurm and
# with local workers, on a small synthetic corpus:
#  1. without sbatch on PATH: one "Slurm is not installed" line, exit status 2;
#  2. --shards 4 --slurm --wait, the array held until array task 2 is cancelled with scancel:
#     a second call meanwhile submits nothing (every shard queued in that array); then
#     the command names shard 2 missing (exit 1, the command to resubmit), shards 0, 1, 3 exist;
#  3. the resubmission submits a one-task array of shard 2 only; a third call has nothing to submit;
#  4. run_experiment reads the 4 shards as one table ("cache hit ... and 3 more shards"), and its
#     test metrics equal those of a run whose cache was built as one file (its own cache_dir);
#  5. local workers: --shards 3 --workers 2 with the worker of shard 1 SIGKILLed reports shard 1
#     failed (exit 1); running it again builds shard 1 only.
# Stops Slurm on exit.
# Usage: scripts/slurm/test_slurm_shards.sh [build-dir]    (as root; CI runs it from .ci/run)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(cd "${1:-build}" && pwd)
state=$(mktemp -d /tmp/mgr-slurm-test.XXXXXX)
work=$(mktemp -d /tmp/mgr-slurm-shards.XXXXXX)
fail() { echo "test_slurm_shards: FAIL: $*" >&2; exit 1; }
cleanup() { scripts/slurm/stop_local_slurm.sh "$state" || true; rm -rf "$work"; }
trap cleanup EXIT
t0=$(date +%s)

ef=$build/bin/extract_features
cfg=$(pwd)/tests/data/sweep/tiny.yaml
common=(--set "data.root=$work/corpus" --set data.synthetic.tracks_per_genre=4
        --set train.epochs=1)

# 1. No Slurm on PATH: one line, exit status 2, nothing submitted.
set +e
msg=$(env PATH=/nonexistent "$ef" "$cfg" "${common[@]}" --set "features.cache_dir=$work/slurm" \
      --shards 4 --slurm 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $(printf '%s\n' "$msg" | wc -l) -eq 1 && "$msg" == *"Slurm is not installed"* ]] ||
  fail "without sbatch: expected one 'Slurm is not installed' line, got rc $rc: $msg"
echo "ok: $msg"

# 2. A job array of 4 shards, held until its task 2 is cancelled; then released.
eval "$(scripts/slurm/start_local_slurm.sh "$state")"
sharded=(--set "features.cache_dir=$work/slurm")
"$ef" "$cfg" "${common[@]}" "${sharded[@]}" --shards 4 --slurm --wait --sbatch-arg=--hold \
  --sbatch-arg=--mem=400M >"$work/first.out" 2>"$work/first.err" &
pid=$!
job=
for _ in $(seq 300); do
  job=$(squeue -h -o '%F %j' | awk '$2 ~ /^mgr-features-/ {print $1; exit}')
  [[ -n "$job" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$job" ]] || fail "no job array appeared in squeue: $(cat "$work/first.err")"
queued=$("$ef" "$cfg" "${common[@]}" "${sharded[@]}" --shards 4 --slurm 2>&1) ||
  fail "a call while the array is queued: $queued"
[[ "$queued" == *"nothing to submit: 0 shards complete, shards 0, 1, 2, 3 queued or running in job $job"* ]] ||
  fail "a call while the array is queued submitted again: $queued"
echo "ok: nothing to submit while job $job holds every shard"
scancel "${job}_2"
scontrol release "$job"
set +e
wait "$pid"; rc=$?
set -e
cat "$work/first.err"
[[ $rc -eq 1 ]] || fail "array with task 2 cancelled: expected exit status 1, got $rc"
grep -q "submitting shards 0, 1, 2, 3 of 4 as a job array of 4 tasks" "$work/first.err" ||
  fail "the first submission was not a 4-task array"
grep -q "with shards 2 of 4 missing.*resubmit them with: .*--shards 4 --slurm" "$work/first.err" ||
  fail "shard 2 not reported missing with the command to resubmit"
ls "$work"/slurm/*.shard-0002-of-0004.h5 >/dev/null 2>&1 && fail "shard 2 was built although cancelled"
n=$(ls "$work"/slurm/*.shard-000[013]-of-0004.h5 | wc -l)
((n == 3)) || fail "expected shards 0, 1, 3 to be complete, found $n files"

# 3. The resubmission: shard 2 alone; then nothing to submit.
out=$("$ef" "$cfg" "${common[@]}" "${sharded[@]}" --shards 4 --slurm --wait \
      --sbatch-arg=--mem=400M 2>"$work/second.err") || fail "resubmission: $(cat "$work/second.err")"
cat "$work/second.err"
grep -q "submitting shards 2 of 4 as a job array of 1 task " "$work/second.err" ||
  fail "the resubmission did not submit shard 2 alone"
grep -qx '#SBATCH --array=2' "$work"/slurm/shards-*-of-4/job-1.sh || fail "job-1.sh: not --array=2"
(($(printf '%s\n' "$out" | grep -c 'shard-000[0-3]-of-0004.h5$') == 4)) ||
  fail "the completed set's 4 files were not printed: $out"
again=$("$ef" "$cfg" "${common[@]}" "${sharded[@]}" --shards 4 --slurm 2>&1) ||
  fail "third call: $again"
[[ "$again" == *"nothing to submit: every shard is complete"* ]] || fail "third call submitted: $again"
echo "ok: nothing to submit"
scripts/slurm/stop_local_slurm.sh "$state"

# 4. A run reads the shards as one table; its test metrics equal those of a one-file cache.
"$build/bin/run_experiment" "$cfg" "${common[@]}" "${sharded[@]}" --out "$work/run-shards" \
  2>"$work/run-shards.log" || fail "run on the shards: $(tail -n 3 "$work/run-shards.log")"
grep -q "features: cache hit .*shard-0000-of-0004.h5 and 3 more shards" "$work/run-shards.log" ||
  fail "the run did not read the 4 shards: $(grep features: "$work/run-shards.log")"
grep "features: cache hit" "$work/run-shards.log"
"$build/bin/run_experiment" "$cfg" "${common[@]}" --set "features.cache_dir=$work/whole" \
  --out "$work/run-whole" 2>"$work/run-whole.log" ||
  fail "run on one file: $(tail -n 3 "$work/run-whole.log")"
ls "$work"/whole/log_mel-*.h5 >/dev/null || fail "the unsharded run wrote no whole-list cache file"
python3 - "$work/run-shards/metrics.json" "$work/run-whole/metrics.json" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
keys = [k for k in a if k.startswith("test")]
assert keys, "no test metrics in metrics.json"
for k in keys:
    assert a[k] == b.get(k), f"{k}: {a[k]} (shards) != {b.get(k)} (one file)"
print("ok: test metrics equal (" + ", ".join(keys) + ")")
PY
  fail "test metrics of the sharded and the unsharded cache differ"

# 5. Local workers, the worker of shard 1 SIGKILLed (retried when it finished before the kill).
local_set=(--set "features.cache_dir=$work/local")
killed=0
for attempt in 1 2 3 4 5; do
  rm -rf "$work/local"
  "$ef" "$cfg" "${common[@]}" "${local_set[@]}" --shards 3 --workers 2 >/dev/null \
    2>"$work/local.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    w=$(pgrep -P "$pid" -f -- '--shard 1/3' || true)
    if [[ -n "$w" ]]; then kill -9 "$w" && killed=1; break; fi
  done
  set +e
  wait "$pid"; rc=$?
  set -e
  ((killed)) && break
  echo "(attempt $attempt: shard 1 finished before it could be killed; again)"
done
((killed)) || fail "could not kill the worker of shard 1 in 5 attempts"
cat "$work/local.err"
[[ $rc -eq 1 ]] || fail "a killed worker: expected exit status 1, got $rc"
grep -q "shard 1/3 failed after .* (killed by signal 9)" "$work/local.err" ||
  fail "the killed worker was not reported"
grep -q "shards 1 of 3 failed" "$work/local.err" || fail "no summary naming shard 1"
out=$("$ef" "$cfg" "${common[@]}" "${local_set[@]}" --shards 3 --workers 2 2>"$work/local2.err") ||
  fail "re-run: $(cat "$work/local2.err")"
cat "$work/local2.err"
grep -q "building shards 1 with 1 worker" "$work/local2.err" || fail "the re-run built more than shard 1"
(($(grep -c "shard .*/3 done" "$work/local2.err") == 1)) || fail "the re-run built more than one shard"
(($(printf '%s\n' "$out" | grep -c 'shard-000[0-2]-of-0003.h5$') == 3)) ||
  fail "the completed set's 3 files were not printed: $out"
echo "ok: local workers, shard 1 killed and rebuilt alone"
echo "test_slurm_shards: passed in $(($(date +%s) - t0)) s"
