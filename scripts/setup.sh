#!/usr/bin/env bash
# Installs the Debian packages mgr builds against (the CUDA toolkit itself, with cuDNN, cuBLAS
# and cuFFT, is expected under /usr/local/cuda). Safe to run again. Pass --with-python to also
# install what the reference-value scripts and the PyTorch benchmarks use.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ccache clang-format clang libomp-dev
  libhdf5-dev hdf5-tools libyaml-cpp-dev libsndfile1-dev libsamplerate0-dev libfftw3-dev
  libopenblas-dev libgtest-dev nlohmann-json3-dev libcli11-dev libfmt-dev
)
python_packages=(python3-torch python3-torchaudio python3-numpy python3-h5py python3-yaml python3-sklearn)

want=("${packages[@]}")
if [[ "${1:-}" == "--with-python" ]]; then want+=("${python_packages[@]}"); fi

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
if [[ "${1:-}" == "--with-python" ]]; then
  python3 -m pip install -q 'librosa>=0.10' || echo "setup: pip install librosa failed (only needed to regenerate golden files)"
fi
