#!/usr/bin/env bash
# Stops what scripts/slurm/start_local_slurm.sh started (slurmd, slurmctld by their pid files;
# munged only when that script started it) and leaves the state folder for its logs.
set -uo pipefail
dir=${1:-/tmp/mgr-slurm}
for d in slurmd slurmctld; do
  if [[ -s "$dir/$d.pid" ]]; then
    pid=$(cat "$dir/$d.pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/$d.pid"
  fi
done
if [[ -e "$dir/munged.started" && -s /run/munge/munged.pid ]]; then
  kill "$(cat /run/munge/munged.pid)" 2>/dev/null
  rm -f "$dir/munged.started"
fi
echo "stop_local_slurm: stopped slurmd and slurmctld (logs in $dir)" >&2
