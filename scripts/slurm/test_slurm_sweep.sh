#!/usr/bin/env bash
# The Slurm path of `sweep`, against a real single-node Slurm: one line when Slurm is missing,
# then start_local_slurm.sh, a 4-run sweep of the tiny experiment submitted as a job array with
# sbatch --wait, --status, a resubmission that finds nothing to do, the run directories each
# array task wrote, and one line when the controller is gone. Stops Slurm on exit.
# Usage: scripts/slurm/test_slurm_sweep.sh [build-dir]     (as root; CI runs it from .ci/run)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(cd "${1:-build}" && pwd)
state=$(mktemp -d /tmp/mgr-slurm-test.XXXXXX)
work=$(mktemp -d /tmp/mgr-slurm-sweep.XXXXXX)
fail() { echo "test_slurm_sweep: FAIL: $*" >&2; exit 1; }
cleanup() { scripts/slurm/stop_local_slurm.sh "$state" || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/sweep.yaml" <<YAML
name: slurm_tiny
experiment: $(pwd)/tests/data/sweep/tiny.yaml
out: $work/out
set:
  data.root: $work/corpus
  features.cache_dir: $work/cache
  train.epochs: 1
grid:
  model.layers.rnn.type: [gru, lstm]
protocol:
  seeds: [1, 2]
slurm:
  partition: debug
  time: "00:10:00"
  cpus_per_task: 1
YAML

# 1. No Slurm on PATH: one line, exit status 2, nothing submitted.
set +e
msg=$(env PATH=/nonexistent "$build/bin/sweep" "$work/sweep.yaml" --slurm 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $(printf '%s\n' "$msg" | wc -l) -eq 1 && "$msg" == *"Slurm is not installed"* ]] ||
  fail "without sbatch: expected one 'Slurm is not installed' line, got rc $rc: $msg"
echo "ok: $msg"

# 2. A real single-node Slurm: the sweep goes through sbatch as a job array.
eval "$(scripts/slurm/start_local_slurm.sh "$state")"
out=$("$build/bin/sweep" "$work/sweep.yaml" --slurm --wait --sbatch-arg=--mem=400M 2>&1) ||
  fail "sweep --slurm --wait: $out"
echo "$out"
[[ "$out" == *"submitted job array"*"(4 tasks, 0 runs skipped)"* ]] || fail "no 4-task array submitted"
status=$("$build/bin/sweep" "$work/sweep.yaml" --status)
echo "$status"
[[ "$status" == *"4 runs: 4 done, 0 running, 0 queued, 0 failed, 0 pending"* ]] || fail "status"
for d in "$work"/out/*/seed-*; do
  [[ -s "$d/metrics.json" ]] || fail "$d has no metrics.json"
  grep -q '"slurm_job"' "$d/sweep_status.json" || fail "$d was not run by an array task"
done
n_logs=$(ls "$work"/out/slurm/*_*.out | wc -l)
((n_logs == 4)) || fail "expected 4 array task logs, found $n_logs"
[[ -s "$work/out/tables.md" ]] || fail "no tables.md after the array finished"
again=$("$build/bin/sweep" "$work/sweep.yaml" --slurm 2>&1) || fail "resubmission: $again"
[[ "$again" == *"nothing to submit"* ]] || fail "resubmission submitted again: $again"
echo "ok: $again"

# 3. The controller gone: one line.
scripts/slurm/stop_local_slurm.sh "$state"
set +e
msg=$("$build/bin/sweep" "$work/sweep.yaml" --slurm 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $(printf '%s\n' "$msg" | wc -l) -eq 1 && "$msg" == *"Slurm is not reachable"* ]] ||
  fail "controller down: expected one 'Slurm is not reachable' line, got rc $rc: $msg"
echo "ok: $msg"
echo "test_slurm_sweep: passed"
