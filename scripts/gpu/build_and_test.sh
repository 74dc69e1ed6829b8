#!/usr/bin/env bash
# Run ON THE LENT GPU MACHINE from the repository root, with .gpu-deps carried (see
# scripts/gpu/fetch_deps.sh and docs/gpu-validation.md). Unpacks the carried Debian libraries,
# builds for sm_90 (H100/H200), runs the whole test suite (CUDA cases included) and the
# benchmarks side by side with PyTorch. Logs go to $OUT when set (the device tool's folder).
#
#   scripts/gpu/build_and_test.sh [STEP ...]      STEP: build test sanitize bench
#
# Default: build test bench. One device command may run 10 minutes at most: on a cold machine
# run `build test` first, then `bench` (the build folder survives while the machine is warm;
# `bench` rebuilds nothing that is current). `sanitize` runs the CUDA test cases under
# compute-sanitizer memcheck (slow: minutes). MGR_GPU_BENCH=0 drops bench from the default.
set -uo pipefail
steps=("$@")
if [[ ${#steps[@]} == 0 ]]; then
  steps=(build test)
  [[ "${MGR_GPU_BENCH:-1}" == 1 ]] && steps+=(bench)
fi
want() { local s; for s in "${steps[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
t_start=$(date +%s)
stamp() { echo "[$(($(date +%s) - t_start)) s] $*"; }
repo=$(pwd)
root=$repo/.gpu-deps/root
out=${OUT:-$repo/gpu-out}
mkdir -p "$out" "$root"
if [[ ! -f $root/.unpacked ]]; then
  for f in .gpu-deps/debs/*.deb; do dpkg -x "$f" "$root"; done
  # Debian's CMake package configs name /usr; point them at the unpacked tree. (pkg-config
  # files are relocated by PKG_CONFIG_SYSROOT_DIR below instead.)
  grep -rlZ --include='*.cmake' -e '/usr' "$root/usr/lib" "$root/usr/share" 2>/dev/null |
    xargs -0 -r sed -i -e "s#\([ \"=;:(]\)/usr/#\1$root/usr/#g"
  touch "$root/.unpacked"
fi
lib=$root/usr/lib/x86_64-linux-gnu
export PATH=$root/usr/bin:/usr/local/cuda/bin:$PATH
export PKG_CONFIG_PATH=$lib/pkgconfig:$lib/openblas-pthread/pkgconfig:$root/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$root
export LD_LIBRARY_PATH=$lib:$lib/openblas-pthread:${LD_LIBRARY_PATH:-}
# cuDNN: the toolkit's, else the one PyTorch's pip wheel ships.
cudnn_args=()
if [[ ! -f /usr/local/cuda/include/cudnn.h ]]; then
  cudnn_dir=$(python3 -c 'import nvidia.cudnn; print(list(nvidia.cudnn.__path__)[0])' 2>/dev/null || true)
  if [[ -n $cudnn_dir ]]; then
    cudnn_args=(-DCUDNN_INCLUDE_DIR="$cudnn_dir/include" -DCUDNN_LIBRARY="$(ls "$cudnn_dir"/lib/libcudnn.so* | head -1)")
    export LD_LIBRARY_PATH=$cudnn_dir/lib:$LD_LIBRARY_PATH
  fi
fi
summary=()
if want build || [[ ! -x build-gpu/bin/mgr_tests ]]; then
  stamp "build"
  {
    nvidia-smi || true
    cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DCMAKE_PREFIX_PATH="$root/usr" "${cudnn_args[@]}" &&
    cmake --build build-gpu -j16
  } 2>&1 | tee "$out/build.log" | tail -n 40
  [[ -x build-gpu/bin/mgr_tests ]] || { echo "build failed; see $out/build.log"; exit 1; }
  summary+=("build: ok")
fi
if want test; then
  stamp "test"
  build-gpu/bin/mgr_tests --gtest_brief=1 --gtest_output=xml:"$out/tests.xml" 2>&1 |
    tee "$out/tests.log" | tail -n 60
  summary+=("test: $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/tests.log" | tr '\n' ' ')")
fi
if want sanitize; then
  stamp "sanitize"
  compute-sanitizer --tool memcheck --leak-check no --error-exitcode 3 \
    build-gpu/bin/mgr_tests --gtest_brief=1 --gtest_filter='*Cuda*' >"$out/sanitize.log" 2>&1
  rc=$?
  tail -n 30 "$out/sanitize.log"
  summary+=("sanitize: exit $rc, $(grep -c '=========.*Invalid\|========= .*Error' "$out/sanitize.log") reports")
fi
if want bench; then
  stamp "bench"
  {
    build-gpu/bin/bench_logmel --device all
    python3 scripts/bench/torch_logmel.py --threads 16 || true
    build-gpu/bin/bench_crnn --steps 3
    python3 scripts/bench/torch_crnn.py --threads 16 --steps 3 || true
    build-gpu/bin/bench_features --device cuda --clips 1000
    python3 scripts/bench/torch_features.py --device cuda --clips 1000 --batch 64 || true
  } 2>&1 | tee "$out/bench.log"
  summary+=("bench: see bench.log")
fi
stamp "done"
printf '%s\n' "${summary[@]}"
