#!/usr/bin/env bash
# Dress rehearsal of scripts/gpu/first_contact.sh without a GPU (run as root, here):
#   1. a bare root file system holding only what the GPU image is documented to have: Debian 12
#      `debootstrap --variant=minbase` plus g++, cmake, ninja and python3 (cached in
#      $MGR_REHEARSAL_CACHE, default ~/.cache/mgr-rehearsal; made once, ~250 MB);
#   2. /usr/local/cuda bind-mounted read-only into it (the toolkit with cuDNN, as on the image;
#      no driver and no GPU);
#   3. the working tree copied in as the device tool sends it: tracked and untracked-not-ignored
#      files, plus the carried .gpu-deps/debs, the total measured against the tool's 64 MiB;
#   4. first_contact.sh run there with OUT set, MGR_REHEARSAL=1 (the CUDA cases skip) and every
#      time box stretched by MGR_TIME_SCALE = 16 / cores here, so that a step that fits its box
#      here fits it on the GPU machine's 16 cores (each step's time is printed beside its time
#      divided by the scale);
#   5. the $OUT files checked as the tool would return them (at most 8, at most two folders down).
#
#   scripts/gpu/rehearse.sh [--root-only] [--keep] [--drop PACKAGE]...
#     --root-only   make (or check) the cached root file system and stop
#     --keep        leave the copied tree in the root afterwards (for a look inside)
#     --drop P      leave carried package P out of the copy (shows that a missing library
#                   stops the command loudly, naming it)
# Exit status: first_contact.sh's, or 1 when the travelling size or the returned files break a
# limit. Writes the rehearsal's summary to rehearsal-out/ in the repository (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
root_only=0 keep=0
drop=()
while (($#)); do
  case $1 in
    --root-only) root_only=1 ;;
    --keep) keep=1 ;;
    --drop) drop+=("$2"); shift ;;
    *) echo "rehearse: unknown option $1 (--root-only, --keep, --drop PACKAGE)" >&2; exit 2 ;;
  esac
  shift
done
[[ $(id -u) == 0 ]] || { echo "rehearse: needs root (debootstrap, chroot, bind mounts)" >&2; exit 2; }
cache=${MGR_REHEARSAL_CACHE:-$HOME/.cache/mgr-rehearsal}
rootfs=$cache/bookworm-minbase
t0=$(date +%s)
stamp() { echo "[rehearse $(($(date +%s) - t0)) s] $*"; }

# ---- 1. the bare root ----
if [[ ! -f $rootfs/.complete ]]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  stamp "debootstrap --variant=minbase bookworm (g++ cmake ninja-build python3) into $rootfs"
  debootstrap --variant=minbase --include=g++,cmake,ninja-build,python3 bookworm "$rootfs" \
    http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb
  touch "$rootfs/.complete"
fi
stamp "root file system: $(du -sh "$rootfs" | cut -f1); it has: $(chroot "$rootfs" dpkg-query -W -f='${Package} ' g++ cmake ninja-build python3 2>/dev/null)"
for absent in libhdf5-dev libyaml-cpp-dev libsndfile1-dev libfftw3-dev libopenblas-dev libgtest-dev pkgconf zlib1g-dev; do
  if chroot "$rootfs" dpkg-query -W -f='${Status}' "$absent" 2>/dev/null | grep -q 'install ok'; then
    echo "rehearse: the bare root has $absent installed: it is not bare" >&2
    exit 1
  fi
done
((root_only)) && exit 0

# ---- 2. mounts ----
mounts=()
cleanup() {
  local m
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
  ((keep)) || rm -rf "$rootfs/work"
}
trap cleanup EXIT
bind() {  # bind SRC DST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  [[ ${3:-} == ro ]] && mount -o remount,bind,ro "$2"
  mounts+=("$2")
}
[[ -d /usr/local/cuda/bin ]] || { echo "rehearse: no /usr/local/cuda here" >&2; exit 1; }
bind "$(realpath /usr/local/cuda)" "$rootfs/usr/local/cuda" ro
bind /proc "$rootfs/proc"
bind /dev "$rootfs/dev"

# ---- 3. the travelling tree ----
[[ -d .gpu-deps/debs ]] || scripts/gpu/fetch_deps.sh
rm -rf "$rootfs/work" && mkdir -p "$rootfs/work/repo" "$rootfs/work/out"
git ls-files -co --exclude-standard -z | grep -zv '^$' >"$rootfs/work/files"
tree_bytes=$(xargs -0 -a "$rootfs/work/files" du -cb --apparent-size 2>/dev/null | tail -n 1 | cut -f1)
carry_bytes=$(du -sb --apparent-size .gpu-deps/debs | cut -f1)
total=$((tree_bytes + carry_bytes))
limit=$((64 * 1024 * 1024))
stamp "travelling: working tree $((tree_bytes / 1048576)) MiB + .gpu-deps/debs $((carry_bytes / 1048576)) MiB = $((total / 1048576)) MiB of 64 MiB ($((100 * total / limit))%)"
((total <= limit)) || { echo "rehearse: the travelling tree is over the device tool's 64 MiB" >&2; exit 1; }
tar -C "$repo" --null -T "$rootfs/work/files" -cf - | tar -C "$rootfs/work/repo" -xf -
mkdir -p "$rootfs/work/repo/.gpu-deps" && cp -r .gpu-deps/debs "$rootfs/work/repo/.gpu-deps/"
for p in "${drop[@]}"; do
  compgen -G "$rootfs/work/repo/.gpu-deps/debs/${p}_*.deb" >/dev/null ||
    { echo "rehearse: --drop $p: no such carried package" >&2; exit 2; }
  rm -f "$rootfs/work/repo/.gpu-deps/debs/${p}_"*.deb
  stamp "left out of the carry: $p"
done
rm -f "$rootfs/work/files"
# The device tool copies a working tree, not a clone: no .git. first_contact.sh must not need one.

# ---- 4. the run ----
cores=$(nproc)
scale=$(((16 + cores - 1) / cores))
stamp "first_contact.sh in the bare root: $cores cores here, boxes x$scale"
set +e
chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/cuda/bin:/usr/local/bin:/usr/bin:/bin HOME=/root \
  LANG=C.UTF-8 OUT=/work/out MGR_REHEARSAL=1 MGR_TIME_SCALE="$scale" \
  /bin/bash -c 'cd /work/repo && scripts/gpu/first_contact.sh' 2>&1 | tee "$cache/rehearsal.log"
rc=${PIPESTATUS[0]}
set -e

# ---- 5. what would come back ----
rm -rf "$repo/rehearsal-out" && cp -r "$rootfs/work/out" "$repo/rehearsal-out"
n_files=$(find "$rootfs/work/out" -type f | wc -l)
deep=$(find "$rootfs/work/out" -mindepth 4 -type f | wc -l)
big=$(find "$rootfs/work/out" -type f -size +16M | wc -l)
stamp "OUT: $n_files files (limit 8), $deep more than two folders down, $big over 16 MiB; first_contact exit $rc"
echo "== summary.txt"
cat "$rootfs/work/out/summary.txt"
if ((n_files > 8 || deep > 0 || big > 0)); then echo "rehearse: OUT breaks the tool's limits" >&2; exit 1; fi
exit "$rc"
