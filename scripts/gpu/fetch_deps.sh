#!/usr/bin/env bash
# Run HERE (a Debian machine with apt): downloads the .deb files of the libraries mgr builds
# against into .gpu-deps/debs, for carrying to the lent GPU machine, which has nvcc, cmake and
# PyTorch but not our Debian dev libraries and cannot download anything. On the GPU machine,
# scripts/gpu/first_contact.sh unpacks them (dpkg -x) into .gpu-deps/root and builds there.
# (PyYAML, which scripts/bench/torch_models.py reads experiments with, is in the GPU image.)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=(libhdf5-dev libyaml-cpp-dev libsndfile1-dev libsamplerate0-dev libfftw3-dev libopenblas-dev
     libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev libfmt-dev libpng-dev pkgconf)
# Present on any glibc Linux the GPU image runs (and unsafe to shadow): never carried.
skip='^(libc6|libc-dev-bin|libc6-dev|linux-libc-dev|libgcc-s1|libstdc\+\+6|libgomp1|gcc-.*|cpp-.*|g\+\+-.*|libstdc\+\+-.*-dev|libgcc-.*-dev|zlib1g|libzstd1|liblzma5|libbz2-1.0|libssl3|libcrypt1|debconf|dpkg|perl.*|libperl.*|tar|bash|coreutils|libselinux1|libpcre2-8-0|libsystemd0|libudev1|libcap2|libgpg-error0|libgcrypt20|liblz4-1|libmd0|libtinfo6|sensible-utils|init-system-helpers|mpi-default-dev|libopenmpi.*|openmpi.*|libpmix.*|libucx.*|libfabric.*|libhwloc.*|libibverbs.*|librdmacm.*|libpsm.*|libnl-.*|libevent.*|libxnvctrl0|ocl-icd.*|libnuma.*|libcurl3-gnutls|libcurl3-nss|nss-plugin-pem|libcurl4-gnutls-dev|libcurl4-nss-dev|libnss3|libnspr4|libopenblas-openmp-dev|libopenblas0-openmp|libopenblas-serial-dev|libopenblas0-serial|libfftw3-long3|libfftw3-quad3|libfftw3-bin|libfftw3-double3|libhdf5-fortran-.*|libhdf5-hl-fortran-.*|libhdf5-.*mpi.*|libjpeg.*|gfortran.*|libgfortran-.*-dev|libhdf5-cpp-.*|libhdf5-hl-cpp-.*|libgmp-dev|libgmpxx4ldbl|libssl-dev|libidn2-dev|libkrb5-dev|libldap2-dev|libnghttp2-dev|libpsl-dev|librtmp-dev|libssh2-1-dev|libzstd-dev|libbrotli-dev|libgnutls28-dev|nettle-dev|libtasn1-6-dev|libp11-kit-dev|libunistring-dev|libgssapi-krb5-2-dev|comerr-dev|krb5-multidev|libgssrpc4|libkadm5.*|libkdb5.*|libevent-.*|libsasl2-modules-gssapi-mit|libldap-dev)$'
mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${top[@]}" | grep -E '^[a-z0-9]' | sort -u | grep -Ev "$skip")
rm -rf .gpu-deps/debs && mkdir -p .gpu-deps/debs
(cd .gpu-deps/debs && apt-get download "${pkgs[@]}" >/dev/null 2>&1 || (cd .gpu-deps/debs && for p in "${pkgs[@]}"; do apt-get download "$p" >/dev/null 2>&1 || echo "fetch_deps: skipped $p (virtual or unavailable)"; done))
echo "fetch_deps: $(ls .gpu-deps/debs | wc -l) packages, $(du -sh .gpu-deps/debs | cut -f1) in .gpu-deps/debs"
# Everything the build asks of them must resolve from what is carried: checked, not assumed.
scripts/gpu/check_closure.sh
