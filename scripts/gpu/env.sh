# Sourced (bash) by scripts/gpu/first_contact.sh and scripts/gpu/build_and_test.sh on the lent
# GPU machine, and by scripts/gpu/check_closure.sh here. From the repository root:
#   gpu_unpack_deps            unpack .gpu-deps/debs into .gpu-deps/root (once)
#   gpu_probe                  print what the machine has; return 1 with one line on what is missing
#   gpu_configure_args         print (one per line) the CMake arguments for build-gpu
#   "${mgr_run[@]}" CMD...     run one of our built programs with the NVIDIA library path
#                              (an array, so that `timeout` can run it; set by gpu_probe)
#
# What the GPU image has of its own (nvcc, g++, cmake, git, python3 with PyTorch) runs with the
# image's environment untouched: the carried Debian libraries are never on LD_LIBRARY_PATH.
# Our programs find them through the RPATH they are linked with (DT_RPATH, which also serves
# the libraries' own dependencies), and find cuDNN's sub-libraries and NVRTC, which cuDNN opens
# at run time by name, through gpu_nvidia_ld, which only mgr_run and the tests' environment set.

gpu_repo=$(pwd)
# The toolkit's programs (nvcc, compute-sanitizer) where the image has not put them on PATH;
# appended, so that whatever the image put first stays first.
[[ -d /usr/local/cuda/bin && :$PATH: != *:/usr/local/cuda/bin:* ]] && export PATH=$PATH:/usr/local/cuda/bin
gpu_root=${MGR_GPU_ROOT:-$gpu_repo/.gpu-deps/root}
gpu_lib=$gpu_root/usr/lib/x86_64-linux-gnu
# The Debian libraries' folders, for the RPATH of what we build.
gpu_debian_lib_dirs="$gpu_lib;$gpu_lib/openblas-pthread"

gpu_unpack_deps() {
  if [[ ! -d $gpu_repo/.gpu-deps/debs ]] || ! compgen -G "$gpu_repo/.gpu-deps/debs/*.deb" >/dev/null; then
    echo "gpu: no .gpu-deps/debs: run scripts/gpu/fetch_deps.sh here and carry .gpu-deps/debs" >&2
    return 1
  fi
  if [[ ! -f $gpu_root/.unpacked ]]; then
    mkdir -p "$gpu_root"
    local f
    for f in "$gpu_repo"/.gpu-deps/debs/*.deb; do dpkg -x "$f" "$gpu_root" || return 1; done
    # Debian's CMake package configs name /usr; point them at the unpacked tree. (pkg-config
    # files are relocated by PKG_CONFIG_SYSROOT_DIR instead.)
    grep -rlZ --include='*.cmake' -e '/usr' "$gpu_root/usr/lib" "$gpu_root/usr/share" 2>/dev/null |
      xargs -0 -r sed -i -e "s#\([ \"=;:(]\)/usr/#\1$gpu_root/usr/#g"
    # pkgconf from the carried packages, loading its own library only.
    mkdir -p "$gpu_root/wrap"
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$gpu_lib" "$gpu_root/usr/bin/pkgconf" \
      >"$gpu_root/wrap/pkg-config"
    chmod +x "$gpu_root/wrap/pkg-config"
    touch "$gpu_root/.unpacked"
  fi
  export PKG_CONFIG_LIBDIR=$gpu_lib/pkgconfig:$gpu_lib/openblas-pthread/pkgconfig:$gpu_root/usr/share/pkgconfig
  unset PKG_CONFIG_PATH
  export PKG_CONFIG_SYSROOT_DIR=$gpu_root
}

# Python's `nvidia` namespace folders (PyTorch's CUDA wheels), once.
gpu_nvidia_python_dirs() {
  if [[ -z ${gpu_nvidia_py+x} ]]; then
    gpu_nvidia_py=$(python3 -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null || true)
  fi
  printf '%s\n' "$gpu_nvidia_py"
}

# The first file named $1 (a glob) under the toolkit, the system folders, then the wheels.
gpu_find() {
  local pattern=$1 d hit
  for d in /usr/local/cuda/include /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/include \
           /usr/local/cuda/targets/x86_64-linux/lib /usr/include /usr/lib/x86_64-linux-gnu; do
    [[ -d $d ]] || continue
    hit=$(find -H "$d" -maxdepth 1 -name "$pattern" 2>/dev/null | sort | head -n 1)
    [[ -n $hit ]] && { echo "$hit"; return 0; }
  done
  while IFS= read -r d; do
    [[ -n $d && -d $d ]] || continue
    hit=$(find -H "$d" -name "$pattern" 2>/dev/null | sort | head -n 1)
    [[ -n $hit ]] && { echo "$hit"; return 0; }
  done < <(gpu_nvidia_python_dirs)
  return 1
}

# Fills gpu_inc_<lib> / gpu_so_<lib> for cudnn cublas cufft nvrtc, and gpu_nvidia_ld.
gpu_locate_cuda_libs() {
  local pair name header lib dirs=()
  for pair in cudnn:cudnn.h:libcudnn.so* cublas:cublas_v2.h:libcublas.so* cufft:cufft.h:libcufft.so* \
              nvrtc:nvrtc.h:libnvrtc.so* cublasLt:cublasLt.h:libcublasLt.so*; do
    IFS=: read -r name header lib <<<"$pair"
    printf -v "gpu_inc_$name" '%s' "$(gpu_find "$header" || true)"
    printf -v "gpu_so_$name" '%s' "$(gpu_find "$lib" || true)"
    local so_var="gpu_so_$name"
    [[ -n ${!so_var} ]] && dirs+=("$(dirname "${!so_var}")")
  done
  [[ -d /usr/local/cuda/lib64 ]] && dirs+=(/usr/local/cuda/lib64)
  gpu_nvidia_ld=$(printf '%s\n' "${dirs[@]}" | awk '!seen[$0]++' | paste -sd:)
  mgr_run=(env "LD_LIBRARY_PATH=$gpu_nvidia_ld")
}

gpu_probe() {
  local missing=()
  echo "== probe $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if command -v nvidia-smi >/dev/null &&
     nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader; then
    :
  elif [[ ${MGR_REHEARSAL:-0} == 1 ]]; then
    echo "gpu: none (MGR_REHEARSAL=1: the CUDA cases will skip)"
  else
    echo "nvidia-smi: not found or no GPU"
    missing+=("a GPU (nvidia-smi)")
  fi
  local tool
  for tool in nvcc g++ cmake ctest python3 dpkg; do
    if command -v $tool >/dev/null; then
      printf '%-8s %s: %s\n' "$tool" "$(command -v $tool)" "$($tool --version 2>&1 | grep -m1 -E '[0-9]+\.[0-9]+' | tail -c 120)"
    else
      printf '%-8s not found\n' "$tool"
      missing+=("$tool")
    fi
  done
  if command -v ninja >/dev/null; then echo "ninja    $(command -v ninja): $(ninja --version)"
  elif command -v make >/dev/null; then echo "make     $(command -v make)"
  else missing+=("ninja or make"); fi
  command -v compute-sanitizer >/dev/null && echo "compute-sanitizer: $(command -v compute-sanitizer)" ||
    echo "compute-sanitizer: not found (the sanitizer step will be skipped)"
  python3 -c 'import torch, torchaudio; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "gpu", torch.cuda.is_available(), "torchaudio", torchaudio.__version__)' 2>&1 | tail -n 1
  gpu_locate_cuda_libs
  local name inc so
  for name in cudnn cublas cufft nvrtc cublasLt; do
    inc=gpu_inc_$name so=gpu_so_$name
    printf '%-8s header %-60s library %s\n' "$name" "${!inc:-MISSING}" "${!so:-MISSING}"
  done
  [[ -n $gpu_inc_cudnn && -n $gpu_so_cudnn ]] || missing+=("cuDNN (cudnn.h and libcudnn.so, toolkit or nvidia-cudnn wheel)")
  [[ -n $gpu_inc_cublas && -n $gpu_so_cublas ]] || missing+=("cuBLAS (cublas_v2.h and libcublas.so)")
  [[ -n $gpu_inc_cufft && -n $gpu_so_cufft ]] || missing+=("cuFFT (cufft.h and libcufft.so)")
  [[ -n $gpu_so_nvrtc ]] || echo "warning: no libnvrtc: cuDNN's runtime-compiled engines cannot load"
  echo "library path for our programs: $gpu_nvidia_ld"
  echo "cores $(nproc), memory $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), free disk $(df -h --output=avail "$gpu_repo" | tail -n 1 | tr -d ' ')"
  local avail_kb
  avail_kb=$(df --output=avail -k "$gpu_repo" | tail -n 1)
  ((avail_kb > 3 * 1024 * 1024)) || missing+=("3 GiB of free disk (build-gpu needs about 1.5)")
  if ((${#missing[@]})); then
    echo "probe: STOP: missing: $(IFS=';'; echo "${missing[*]}")"
    return 1
  fi
  echo "probe: ok"
}

# CMake arguments for build-gpu (after gpu_locate_cuda_libs and gpu_unpack_deps).
gpu_configure_args() {
  local rpath="$gpu_debian_lib_dirs"
  [[ -n $gpu_nvidia_ld ]] && rpath="$rpath;${gpu_nvidia_ld//:/;}"
  command -v ninja >/dev/null && printf '%s\n' -G Ninja
  printf '%s\n' -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    "-DCMAKE_PREFIX_PATH=$gpu_root/usr" "-DPKG_CONFIG_EXECUTABLE=$gpu_root/wrap/pkg-config" \
    "-DCMAKE_BUILD_RPATH=$rpath" "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags" \
    "-DMGR_CUDA_INCLUDE_DIRS=$(dirname "$gpu_inc_cudnn");$(dirname "$gpu_inc_cublas");$(dirname "$gpu_inc_cufft")" \
    "-DCUDNN_INCLUDE_DIR=$(dirname "$gpu_inc_cudnn")" "-DCUDNN_LIBRARY=$gpu_so_cudnn" \
    "-DMGR_CUBLAS_LIBRARY=$gpu_so_cublas" "-DMGR_CUFFT_LIBRARY=$gpu_so_cufft" \
    "-DMGR_TEST_ENVIRONMENT=LD_LIBRARY_PATH=$gpu_nvidia_ld"
}
