#!/usr/bin/env bash
# Linker launcher (CXX_LINKER_LAUNCHER) for binaries that start often and
# load no library with a shared protobuf of its own (LibTorch has one, so
# `run` is not linked this way): runs the link command CMake wrote with
# protobuf, Abseil and OpenSSL (libprotobuf.so, each libabsl_*.so.*,
# libcrypto.so) swapped for their static archives, and no PIE. With
# --libstdc++ (for a binary that links no other C++ library shared, as glog
# and gflags are), libstdc++ and libgcc are linked in too.
#
#   link_static.sh [--libstdc++] LINK COMMAND...
#
# Why: pp and the test run binary are short-lived processes whose start was
# most of their time. With Debian's shared protobuf, 36 Abseil libraries and
# OpenSSL, the dynamic loader resolves some 9,000 symbols at every start:
# `pp --help` took 4.1 ms on a 2-core KVM machine, 1.2 ms linked this way,
# where a static `int main() {}` takes 0.9 ms. libc and libm stay shared, so
# NSS lookups (the host name, the home folder) work as usual. A library with
# no static archive stays shared, so the link never fails for want of one.
set -euo pipefail

with_libstdcxx=0
if [[ ${1:-} == --libstdc++ ]]; then
  with_libstdcxx=1
  shift
fi

args=()
static_protobuf=0
for arg in "$@"; do
  if [[ "$arg" =~ ^(.*/(libprotobuf|libabsl_[a-z0-9_]+|libcrypto))\.so(\.[0-9.]+)?$ &&
    -f "${BASH_REMATCH[1]}.a" ]]; then
    args+=("${BASH_REMATCH[1]}.a")
    [[ ${BASH_REMATCH[2]} == libprotobuf ]] && static_protobuf=1
  else
    args+=("$arg")
  fi
done
extra=(-no-pie -pthread)
if ((with_libstdcxx)); then extra+=(-static-libstdc++ -static-libgcc); fi
# The archive does not carry libprotobuf.so's own dependency on zlib.
if ((static_protobuf)); then extra+=(-lz); fi
exec "${args[@]}" "${extra[@]}"
