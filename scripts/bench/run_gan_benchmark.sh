#!/usr/bin/env bash
# The DCGAN training step (batch 128: D on real and generated, then G), mgr beside PyTorch, in
# one invocation, alternating ROUNDS times (this machine is shared: compare ratios of one round).
# Usage: scripts/bench/run_gan_benchmark.sh [build-dir] [threads] [devices]
set -euo pipefail
build=${1:-build}
threads=${2:-2}
devices=${3:-cpu}
py=${PYTHON:-/usr/bin/python3}
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
here=$(dirname "$0")
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads, devices $devices"
for round in $(seq "${ROUNDS:-1}"); do
  echo "-- round $round"
  "$build/bin/bench_gan" --devices "$devices" --steps "${STEPS:-3}" --gpu-steps "${GPU_STEPS:-30}" experiments/dcgan_mel.yaml
  env ${TORCH_LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$TORCH_LD_LIBRARY_PATH"} $py "$here/torch_dcgan.py" --threads "$threads" \
    --steps "${STEPS:-3}" --gpu-steps "${GPU_STEPS:-30}" --devices "$devices"
done
