#!/usr/bin/env bash
# Benchmarks heyhi's train task against the same models, data and steps in PyTorch: samples/s and peak RSS, alternating runs.
#
#   RUNS=3 bash tools/bench/vs_pytorch.sh
#   GLIBC_RUN=build-glibc/run COMPARE_MALLOC=1 COMPARE_ALLOCATORS=1 RUNS=3 bash tools/bench/vs_pytorch.sh
#
# For each of the MLP, CNN and patch transformer (conf/c02_sup_train/) it runs
# PyTorch (tools/bench/vs_pytorch.py, Debian's python3-torch on the same
# LibTorch) and heyhi's `run` in turn, RUNS times each, 200 training steps
# (`max_steps_per_epoch=200 log_every=0 num_epochs=1`), THREADS intra-op
# threads on both sides. samples/s covers the training steps only (heyhi's
# metrics.jsonl `samples_per_s`; the same span timed in Python); both then
# validate once, outside the timing. Peak RSS is /usr/bin/time's %M.
#
# Environment:
#   RUNS=3              runs per side and model
#   MODELS="mlp cnn transformer"
#   STEPS=200           training steps per run
#   THREADS=2           intra-op threads (heyhi's num_threads; torch.set_num_threads)
#   GLIBC_RUN=PATH      another column: the run binary of a build without tcmalloc
#                       (cmake -B build-glibc -DHEYHI_TCMALLOC=OFF; make -C build-glibc run),
#                       on glibc's malloc tuned by mallopt (runners/run_main.cc)
#   COMPARE_MALLOC=1    with GLIBC_RUN: one more, that binary with HH_MALLOC_DEFAULTS=1
#                       (glibc's malloc defaults)
#   COMPARE_ALLOCATORS=1  with GLIBC_RUN: one more, that binary with jemalloc preloaded
#                       (Debian's libjemalloc2, installed if missing; HH_MALLOC_DEFAULTS=1,
#                       so that the binary tunes no malloc)
#   HEYHI_RUN=PATH      heyhi's run binary (default: build/run of this checkout)
#   PYTHON=/usr/bin/python3   Debian's Python, where python3-torch installs
#   LOAD_MAX=1.0, LOAD_WAIT_S=1200   before each model, wait (30 s steps, at most
#                       LOAD_WAIT_S in all) for the 1-minute load to drop below LOAD_MAX
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tools/bench"
RUNS=${RUNS:-3}
MODELS=${MODELS:-mlp cnn transformer}
STEPS=${STEPS:-200}
THREADS=${THREADS:-2}
COMPARE_MALLOC=${COMPARE_MALLOC:-0}
COMPARE_ALLOCATORS=${COMPARE_ALLOCATORS:-0}
GLIBC_RUN=${GLIBC_RUN:-}
HEYHI_RUN=${HEYHI_RUN:-$ROOT/build/run}
PYTHON=${PYTHON:-/usr/bin/python3}
LOAD_MAX=${LOAD_MAX:-1.0}
LOAD_WAIT_S=${LOAD_WAIT_S:-1200}
TIME=/usr/bin/time
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the checkout

die() { echo "vs_pytorch: $*" >&2; exit 1; }
[[ -x "$HEYHI_RUN" ]] || die "no heyhi run binary at $HEYHI_RUN (build it, or set HEYHI_RUN=path/to/run)"
[[ -x "$TIME" ]] || die "$TIME is missing (Debian package 'time')"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS is not a positive number"

if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "vs_pytorch: installing python3-torch (Debian) for $PYTHON"
  apt-get install -y --no-install-recommends python3-torch >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends python3-torch >/dev/null; } ||
    die "cannot install python3-torch"
  "$PYTHON" -c 'import torch' || die "$PYTHON still cannot import torch"
fi

[[ -z $GLIBC_RUN || -x $GLIBC_RUN ]] || die "no run binary at GLIBC_RUN=$GLIBC_RUN"
# The runs start in the checkout's root: binaries by absolute path.
HEYHI_RUN=$(realpath "$HEYHI_RUN")
[[ -z $GLIBC_RUN ]] || GLIBC_RUN=$(realpath "$GLIBC_RUN")
if [[ -z $GLIBC_RUN && ($COMPARE_MALLOC == 1 || $COMPARE_ALLOCATORS == 1) ]]; then
  die "COMPARE_MALLOC and COMPARE_ALLOCATORS need GLIBC_RUN (a run binary built with -DHEYHI_TCMALLOC=OFF)"
fi
JEMALLOC=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/libjemalloc.so.2
if [[ $COMPARE_ALLOCATORS == 1 && ! -f $JEMALLOC ]]; then
  echo "vs_pytorch: installing libjemalloc2 (Debian)"
  apt-get install -y --no-install-recommends libjemalloc2 >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends libjemalloc2 >/dev/null; } ||
    die "cannot install libjemalloc2"
  [[ -f $JEMALLOC ]] || die "no $JEMALLOC after installing libjemalloc2"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vs_pytorch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.jsonl"
WAITED=0

load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
wait_for_load() {
  while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l >= m) }'; do
    if ((WAITED >= LOAD_WAIT_S)); then
      echo "   load $(loadavg) still >= $LOAD_MAX after ${WAITED} s of waiting: measuring anyway"
      return
    fi
    echo "   load $(loadavg) >= $LOAD_MAX: waiting 30 s"
    sleep 30
    WAITED=$((WAITED + 30))
  done
}

# The config and in-process launch of each model.
config_of() {
  case "$1" in
    mlp) echo "conf/c02_sup_train/sl_mlp_2procs.prototxt launcher.local.num_procs=1" ;;
    cnn) echo "conf/c02_sup_train/sl.prototxt" ;;
    transformer) echo "conf/c02_sup_train/sl_transformer.prototxt" ;;
    *) die "unknown model $1 (mlp, cnn, transformer)" ;;
  esac
}

# run_heyhi MODEL RUN SIDE BINARY [ENV...]: one heyhi run in a fresh HH_EXP_DIR.
run_heyhi() {
  local model=$1 run=$2 side=$3 binary=$4
  shift 4
  local dir="$WORK/$model.$side.$run"
  mkdir -p "$dir/exp"
  if ! (cd "$ROOT" && env HH_EXP_DIR="$dir/exp" "$@" "$TIME" -f %M -o "$dir/rss" \
    "$binary" -c "$CONFIG" --adhoc "${OVERRIDES[@]}" >"$dir/out.txt" 2>&1); then
    cat "$dir/out.txt" >&2
    die "heyhi run failed ($model, run $run, $side)"
  fi
  local state=()
  [[ $run == 1 ]] && state=(--state "$WORK/$model.pytorch.pt")
  "$PYTHON" "$HERE/vs_pytorch.py" heyhi --exp-root "$dir/exp" --out "$dir/result.json" "${state[@]}"
  "$PYTHON" "$HERE/vs_pytorch.py" record --json "$dir/result.json" --results "$RESULTS" \
    --model "$model" --side "$side" --run "$run" --rss-kb "$(tail -n1 "$dir/rss")"
}

run_pytorch() {
  local model=$1 run=$2
  local dir="$WORK/$model.pytorch.$run"
  mkdir -p "$dir"
  local state=()
  [[ $run == 1 ]] && state=(--state "$WORK/$model.pytorch.pt")
  if ! "$TIME" -f %M -o "$dir/rss" "$PYTHON" "$HERE/vs_pytorch.py" train --flat "$FLAT" \
    --out "$dir/result.json" "${state[@]}" >"$dir/out.txt" 2>&1; then
    cat "$dir/out.txt" >&2
    die "pytorch run failed ($model, run $run)"
  fi
  "$PYTHON" "$HERE/vs_pytorch.py" record --json "$dir/result.json" --results "$RESULTS" \
    --model "$model" --side pytorch --run "$run" --rss-kb "$(tail -n1 "$dir/rss")"
}

echo "vs_pytorch: heyhi $HEYHI_RUN, $($PYTHON -c 'import torch; print("PyTorch", torch.__version__)'), $(nproc) CPUs"
echo "  RUNS=$RUNS STEPS=$STEPS THREADS=$THREADS GLIBC_RUN=${GLIBC_RUN:-none} COMPARE_MALLOC=$COMPARE_MALLOC COMPARE_ALLOCATORS=$COMPARE_ALLOCATORS"
for model in $MODELS; do
  read -r -a spec <<<"$(config_of "$model")"
  CONFIG=${spec[0]}
  OVERRIDES=(max_steps_per_epoch="$STEPS" log_every=0 num_epochs=1 num_threads="$THREADS" "${spec[@]:1}")
  FLAT="$WORK/$model.flat"
  (cd "$ROOT" && "$HEYHI_RUN" -c "$CONFIG" --adhoc "${OVERRIDES[@]}" --print-flat-all) >"$FLAT" ||
    die "cannot compose $CONFIG"
  echo
  echo "== $model: $CONFIG ${OVERRIDES[*]}"
  wait_for_load
  LOAD=$(loadavg)
  echo "   load average: $LOAD"
  "$PYTHON" "$HERE/vs_pytorch.py" meta --flat "$FLAT" --results "$RESULTS" --model "$model" \
    --config "$CONFIG" --overrides "${OVERRIDES[*]}" --load "$LOAD"
  for ((run = 1; run <= RUNS; run++)); do
    run_pytorch "$model" "$run"
    run_heyhi "$model" "$run" heyhi "$HEYHI_RUN"
    if [[ -n $GLIBC_RUN ]]; then
      run_heyhi "$model" "$run" heyhi_glibc "$GLIBC_RUN"
    fi
    if [[ $COMPARE_MALLOC == 1 ]]; then
      run_heyhi "$model" "$run" heyhi_malloc_defaults "$GLIBC_RUN" HH_MALLOC_DEFAULTS=1
    fi
    if [[ $COMPARE_ALLOCATORS == 1 ]]; then
      run_heyhi "$model" "$run" heyhi_jemalloc "$GLIBC_RUN" HH_MALLOC_DEFAULTS=1 LD_PRELOAD="$JEMALLOC"
    fi
  done
  echo "   load average after: $(loadavg)"
done

echo
echo "==== summary (samples/s of the training steps; peak RSS of the whole process)"
"$PYTHON" "$HERE/vs_pytorch.py" report "$RESULTS"
