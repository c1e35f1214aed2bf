#!/usr/bin/env bash
# Linker launcher for pp (CXX_LINKER_LAUNCHER): runs the link command CMake
# wrote with every shared library that has a static archive beside it
# (libprotobuf.so -> libprotobuf.a, each libabsl_*.so.* -> libabsl_*.a,
# libcrypto.so -> libcrypto.a) swapped for that archive, libstdc++ and libgcc
# linked in, and no PIE.
#
# Why: pp is a short-lived process whose start was most of its time. With
# Debian's shared protobuf, 36 Abseil libraries and OpenSSL, the dynamic
# loader resolves ~9,000 symbols at every start (4.1 ms for `pp --help` on a
# 2-core KVM machine); linked this way the same start takes 1.5 ms, of which
# 0.9 ms is any process's (a static `int main(){}`). Only libc and libm stay
# shared, so NSS lookups (the host name, the home folder) work as usual.
# A library with no static archive stays shared, so the link never fails
# for want of one.
set -euo pipefail

args=()
static_protobuf=0
for arg in "$@"; do
  if [[ "$arg" =~ ^(.*/lib[^/]+)\.so(\.[0-9.]+)?$ && -f "${BASH_REMATCH[1]}.a" ]]; then
    case "${BASH_REMATCH[1]##*/}" in
      libc | libm | libstdc++ | libgcc_s | libpthread | libdl) args+=("$arg") ;;
      libprotobuf)
        args+=("${BASH_REMATCH[1]}.a")
        static_protobuf=1
        ;;
      *) args+=("${BASH_REMATCH[1]}.a") ;;
    esac
  else
    args+=("$arg")
  fi
done
extra=(-static-libstdc++ -static-libgcc -no-pie -pthread)
# The archive does not carry libprotobuf.so's own dependency on zlib.
if ((static_protobuf)); then extra+=(-lz); fi
exec "${args[@]}" "${extra[@]}"
