#!/usr/bin/env bash
# Installs the Debian packages mgr builds against (the CUDA toolkit itself, with cuDNN, cuBLAS
# and cuFFT, is expected under /usr/local/cuda). Safe to run again. Options (any order):
#   --with-python   what the reference-value scripts and the PyTorch benchmarks use
#   --with-slurm    Slurm and munge, for `sweep --slurm` and its single-node test
#                   (scripts/slurm/start_local_slurm.sh; see environment.md)
#   --with-browser  headless Chromium, for the HTML report's rendering test
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ccache clang-format clang libclang-rt-dev libomp-dev
  libhdf5-dev hdf5-tools libyaml-cpp-dev libsndfile1-dev libsamplerate0-dev libfftw3-dev
  libopenblas-dev libgtest-dev nlohmann-json3-dev libcli11-dev libfmt-dev libpng-dev
)
python_packages=(python3-torch python3-torchaudio python3-numpy python3-h5py python3-yaml python3-sklearn)
slurm_packages=(slurm-wlm munge)
browser_packages=(chromium)

want=("${packages[@]}")
with_python=0
for arg in "$@"; do
  case "$arg" in
    --with-python) want+=("${python_packages[@]}"); with_python=1 ;;
    --with-slurm) want+=("${slurm_packages[@]}") ;;
    --with-browser) want+=("${browser_packages[@]}") ;;
    *) echo "setup: unknown option '$arg' (--with-python, --with-slurm, --with-browser)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup: note: nvcc is in /usr/local/cuda/bin but not on PATH; CMake finds it via CUDACXX:"
  echo "         export PATH=/usr/local/cuda/bin:\$PATH"
fi
if ((with_python)); then
  python3 -m pip install -q 'librosa>=0.10' || echo "setup: pip install librosa failed (only needed to regenerate golden files)"
fi
