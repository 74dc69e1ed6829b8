#!/usr/bin/env bash
# Training throughput of every experiment's network, mgr beside PyTorch, in one invocation:
# for each experiment YAML, build/bin/bench_models times forward + backward + optimiser step at
# the experiment's batch size on its per-clip input shape, then scripts/bench/torch_models.py
# times the same network (built from the same YAML) in PyTorch with the same thread count.
# Usage: scripts/bench/run_model_benchmarks.sh [build-dir] [threads] [devices] [yaml...]
#   devices: cpu (default) | cuda | all. STEPS / GPU_STEPS: timed steps (3 / 30).
set -euo pipefail
build=${1:-build}
threads=${2:-2}
devices=${3:-cpu}
shift $(( $# < 3 ? $# : 3 ))
files=("$@")
if ((${#files[@]} == 0)); then files=(experiments/*.yaml); fi
py=${PYTHON:-python3}
if ! $py -c 'import torch, yaml' 2>/dev/null && /usr/bin/python3 -c 'import torch, yaml' 2>/dev/null; then py=/usr/bin/python3; fi
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
here=$(dirname "$0")
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads, devices $devices"
for f in "${files[@]}"; do
  if grep -q '^  type: knn' "$f"; then echo "skip $f: model.type knn trains no network (tools/bench_knn)"; continue; fi
  out=$(env ${MGR_LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$MGR_LD_LIBRARY_PATH"} "$build/bin/bench_models" --devices "$devices" --steps "${STEPS:-3}" --gpu-steps "${GPU_STEPS:-30}" "$f") || {
    echo "bench_models failed on $f"; continue; }
  echo "$out"
  line=$(echo "$out" | head -n 1)
  shape=$(sed -n 's/.* input \([0-9,]*\) .*/\1/p' <<<"$line")
  classes=$(sed -n 's/.* classes *\([0-9]*\) .*/\1/p' <<<"$line")
  batch=$(sed -n 's/.* batch *\([0-9]*\) .*/\1/p' <<<"$line")
  # MGR_LD_LIBRARY_PATH: the library path of mgr's programs alone (GPU machine: cuDNN's
  # sub-libraries); PyTorch runs with this script's own environment and its own wheels.
  $py "$here/torch_models.py" "$f" --input-shape "$shape" --classes "$classes" --batch "$batch" \
    --threads "$threads" --steps "${STEPS:-3}" --gpu-steps "${GPU_STEPS:-30}" --devices "$devices" ||
    echo "torch_models.py failed on $f"
done
