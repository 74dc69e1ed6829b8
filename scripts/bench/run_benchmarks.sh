#!/usr/bin/env bash
# Runs mgr's benchmark programs and the same workloads in PyTorch/torchaudio, one after the
# other in one invocation, so the figures can be compared as ratios from one run.
# Usage: scripts/bench/run_benchmarks.sh [build-dir] [threads]
set -euo pipefail
build=${1:-build}
threads=${2:-2}
py=${PYTHON:-python3}
# Debian's python3-torch lives under /usr/bin/python3; prefer it when the default has no torch.
if ! $py -c 'import torch' 2>/dev/null && /usr/bin/python3 -c 'import torch' 2>/dev/null; then py=/usr/bin/python3; fi
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $threads threads"
"$build/bin/bench_logmel"
$py "$(dirname "$0")/torch_logmel.py" --threads "$threads" || echo "torch_logmel.py failed"
"$(dirname "$0")/run_model_benchmarks.sh" "$build" "$threads" cpu
