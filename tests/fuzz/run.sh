#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang, ASan + UBSan) and runs each on a copy of its seed corpus.
#
#   tests/fuzz/run.sh [--build DIR] [--seconds N] [--jobs N] [--build-only | --no-build]
#                     [--skip-without-clang] [TARGET...]
#
# DIR (default build-fuzz) is a CMake build of tests/fuzz with clang++. Each
# TARGET (default: all four) runs N seconds (default 60) with inputs up to
# 1 MiB on a temporary copy of tests/fuzz/corpus/TARGET, so the checked-in
# corpus never changes; new inputs are dropped with the copy. A crash, a
# mismatch (abort), a timeout (25 s per input) or a leak fails the run: the
# input is kept as DIR/artifacts/TARGET-crash-..., the report is printed and
# the whole log is DIR/logs/TARGET.log. Each target ends with a line of
# libFuzzer's final numbers. Without clang and libFuzzer the script fails, or
# with --skip-without-clang exits 77 (ctest's SKIP_RETURN_CODE).
set -euo pipefail

src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$src/build-fuzz"
seconds=60
jobs="$(nproc)"
mode=all
skip_code=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --build-only) mode=build; shift ;;
    --no-build) mode=run; shift ;;
    --skip-without-clang) skip_code=77; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown flag $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_config fuzz_overrides fuzz_round_trip fuzz_includes)
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac

# libFuzzer comes with clang's runtime (Debian: clang, libclang-rt-14-dev).
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' \
  >"$probe/probe.cc"
if ! command -v clang++ >/dev/null ||
  ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cc" -o "$probe/probe" \
    >"$probe/log" 2>&1; then
  echo "run.sh: no clang++ with libFuzzer here (Debian packages clang and libclang-rt-14-dev;" \
    "make deps installs them)" >&2
  sed -n '1,5p' "$probe/log" >&2
  exit "$skip_code"
fi

if [ "$mode" != run ]; then
  start=$SECONDS
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >"$probe/configure.log" ||
      { cat "$probe/configure.log" >&2; exit 1; }
  fi
  cmake --build "$build" -j"$jobs" >"$probe/build.log" 2>&1 || { tail -50 "$probe/build.log" >&2; exit 1; }
  echo "fuzz build: $build ($((SECONDS - start)) s)"
fi
[ "$mode" != build ] || exit 0

mkdir -p "$build/logs" "$build/artifacts"
failed=()
for target in "${targets[@]}"; do
  binary="$build/$target"
  corpus="$src/tests/fuzz/corpus/$target"
  [ -x "$binary" ] || { echo "run.sh: $binary is not built" >&2; exit 1; }
  [ -d "$corpus" ] || { echo "run.sh: no corpus $corpus" >&2; exit 1; }
  work="$probe/$target"
  mkdir -p "$work/tmp"
  cp -r "$corpus" "$work/corpus"
  dict=()
  [ -f "$src/tests/fuzz/$target.dict" ] && dict=(-dict="$src/tests/fuzz/$target.dict")
  log="$build/logs/$target.log"
  rc=0
  # The targets make their temporary trees under TMPDIR: gone with the copy.
  TMPDIR="$work/tmp" "$binary" -max_len=1048576 -max_total_time="$seconds" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "${dict[@]}" \
    "$work/corpus" >"$log" 2>&1 || rc=$?
  done_line="$(grep -a -E '^#[0-9]+[[:space:]]+DONE ' "$log" | tail -1 || true)"
  stat() { grep -a "^stat::$1:" "$log" | awk '{print $2}' | tail -1; }
  echo "$target: $(stat number_of_executed_units) executions in $seconds s," \
    "$(stat average_exec_per_sec) exec/s, cov: $(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')" \
    "ft: $(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')," \
    "corpus $(ls "$work/corpus" | wc -l) inputs (from $(ls "$corpus" | wc -l))," \
    "peak rss $(stat peak_rss_mb) MB, exit $rc"
  if [ "$rc" -ne 0 ]; then
    failed+=("$target")
    echo "---- $target failed; the end of $log:" >&2
    grep -a -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)|^[[:space:]]+NEW_FUNC' "$log" | tail -60 >&2
  fi
  rm -rf "$work"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
