#!/usr/bin/env bash
# Starts a single-node Slurm on this machine for the sweep tests (Debian's slurm-wlm and munge,
# installed by scripts/setup.sh --with-slurm): munged with the key the munge package made, then
# slurmctld and slurmd as root with a slurm.conf for this host written into a state folder, one
# partition "debug" holding all its CPUs. Nothing under /etc/slurm is touched: clients find the
# cluster through SLURM_CONF. Prints the line to eval:
#   eval "$(scripts/slurm/start_local_slurm.sh [STATE_DIR])"      # sets SLURM_CONF
#   ... sbatch / sinfo / sweep --slurm ...
#   scripts/slurm/stop_local_slurm.sh [STATE_DIR]
set -euo pipefail
dir=${1:-/tmp/mgr-slurm}
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
for p in munged slurmctld slurmd sinfo sbatch; do
  command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
  command -v "$p" >/dev/null 2>&1 || { echo "start_local_slurm: $p not found (run scripts/setup.sh --with-slurm)" >&2; exit 1; }
done
if [[ $(id -u) -ne 0 ]]; then echo "start_local_slurm: must run as root (slurmd starts jobs as their user)" >&2; exit 1; fi

# munge: its key, its socket folder, the daemon as the munge user.
if [[ ! -s /etc/munge/munge.key ]]; then mungekey --create --force >&2; chown munge:munge /etc/munge/munge.key; fi
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- munged --force
  touch "$dir/munged.started"  # stop_local_slurm.sh stops it again
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null || { echo "start_local_slurm: munged does not answer" >&2; exit 1; }

host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool"
cat > "$dir/slurm.conf" <<CONF
# single-node Slurm for mgr's sweep tests, written by scripts/slurm/start_local_slurm.sh
ClusterName=mgrtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${MGR_SLURMCTLD_PORT:-6817}
SlurmdPort=${MGR_SLURMD_PORT:-6818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
# Ready when the node is idle (or mixed/allocated by someone else's jobs).
for _ in $(seq 150); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
  case "$state" in idle|mix|alloc) break ;; esac
  sleep 0.2
done
if [[ ! "$state" =~ ^(idle|mix|alloc)$ ]]; then
  echo "start_local_slurm: node not ready (state '${state:-none}'); logs in $dir" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  exit 1
fi
echo "start_local_slurm: Slurm up on $host ($cpus CPUs), state in $dir" >&2
echo "export SLURM_CONF=$dir/slurm.conf"
