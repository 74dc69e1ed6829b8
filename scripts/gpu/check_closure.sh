#!/usr/bin/env bash
# Checks HERE, by script rather than by eye, that the Debian packages carried to the GPU machine
# (.gpu-deps/debs, scripts/gpu/fetch_deps.sh) are closed: everything the build asks of them
# resolves from what is carried plus what any glibc Linux with a C++ toolchain has (the GPU image:
# nvcc, g++, cmake, python3; docs/gpu-validation.md). Unpacks into a temporary root the way
# scripts/gpu/env.sh does on the GPU machine, then checks:
#   1. pkg-config: every module the build asks for, and every .pc file carried, resolves with its
#      Requires and Requires.private (--static) from the carried .pc files alone;
#   2. CMake packages: each package the build finds has its config file in the tree, and every
#      find_dependency() of every carried config resolves to a carried config or a CMake module;
#   3. ELF: every DT_NEEDED of every carried shared library and program resolves to a carried
#      library or to one of the base libraries listed below;
#   4. headers: each header mgr includes from these packages is in the tree.
# Exit 1 with one line per missing piece. CI runs it after fetch_deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MGR_GPU_ROOT=$tmp/root
# shellcheck source=scripts/gpu/env.sh
source scripts/gpu/env.sh
gpu_unpack_deps
pc=$gpu_root/wrap/pkg-config
problems=()

# ---- 1. pkg-config ----
# The modules CMakeLists.txt asks for (pkg_check_modules / pkg_search_module).
for m in sndfile samplerate fftw3f libpng "hdf5-serial|hdf5" openblas; do
  ok=0
  for alt in ${m//|/ }; do "$pc" --exists "$alt" 2>/dev/null && ok=1 && break; done
  ((ok)) || problems+=("pkg-config: module $m (asked for by CMakeLists.txt) not carried")
done
n_pc=0
while IFS= read -r f; do
  mod=$(basename "$f" .pc)
  n_pc=$((n_pc + 1))
  if ! err=$("$pc" --exists --static --print-errors "$mod" 2>&1); then
    problems+=("pkg-config: $mod: $(echo "$err" | tr '\n' ' ' | cut -c1-200)")
  fi
done < <(find "$gpu_root/usr" -name '*.pc' -path '*pkgconfig*')

# ---- 2. CMake packages ----
config_of() {  # a carried <Name>Config.cmake / <name>-config.cmake, case-insensitive
  find "$gpu_root/usr" \( -iname "$1Config.cmake" -o -iname "$1-config.cmake" \) -print -quit
}
for p in yaml-cpp nlohmann_json CLI11 fmt GTest; do
  [[ -n $(config_of "$p") ]] || problems+=("cmake: package $p (find_package in CMakeLists.txt) has no config file carried")
done
modules=$(cmake --help-module-list)
n_dep=0
while IFS= read -r dep; do
  [[ -z $dep ]] && continue
  n_dep=$((n_dep + 1))
  if [[ -z $(config_of "$dep") ]] && ! grep -qx "Find$dep" <<<"$modules"; then
    problems+=("cmake: find_dependency($dep) in a carried config resolves to nothing carried")
  fi
done < <(find "$gpu_root/usr" \( -name '*Config.cmake' -o -name '*-config.cmake' \) -print0 |
  xargs -0 -r grep -ho 'find_dependency *( *[A-Za-z0-9_.+-]*' | sed 's/.*( *//' | sort -u)

# ---- 3. ELF dependencies ----
# Present on every glibc Linux with a C++ toolchain and Python (the GPU image among them); the
# packages that provide them are left out of the carry on purpose (fetch_deps.sh's skip list).
base='^(ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libgomp\.so\.1|libz\.so\.1|libzstd\.so\.1|liblzma\.so\.5|libbz2\.so\.1\.0|libssl\.so\.3|libcrypto\.so\.3|libcrypt\.so\.1|libmvec\.so\.1)$'
declare -A have=()
while IFS= read -r f; do have[$(basename "$f")]=1; done < <(find "$gpu_root" \( -type f -o -type l \) -name '*.so*')
n_elf=0
while IFS= read -r f; do
  file -b "$f" | grep -q '^ELF' || continue
  n_elf=$((n_elf + 1))
  while IFS= read -r need; do
    [[ -n ${have[$need]:-} ]] && continue
    [[ $need =~ $base ]] && continue
    problems+=("elf: ${f#"$gpu_root"/} needs $need, which is neither carried nor a base library")
  done < <(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done < <(find "$gpu_root/usr/lib" "$gpu_root/usr/bin" -type f \( -name '*.so*' -o -perm -u+x \) 2>/dev/null)

# ---- 4. headers mgr includes ----
for h in hdf5.h yaml-cpp/yaml.h sndfile.h samplerate.h fftw3.h cblas.h png.h zlib.h gtest/gtest.h gmock/gmock.h \
         nlohmann/json.hpp CLI/CLI.hpp fmt/core.h; do
  [[ -n $(find "$gpu_root/usr/include" -path "*/$h" -print -quit) ]] || problems+=("header: $h not carried")
done

echo "check_closure: $(ls .gpu-deps/debs | wc -l) packages; $n_pc pkg-config modules, $n_dep find_dependency names, $n_elf ELF files checked"
if ((${#problems[@]})); then
  printf 'check_closure: MISSING: %s\n' "${problems[@]}"
  exit 1
fi
echo "check_closure: closed"
