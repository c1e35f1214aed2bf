#!/usr/bin/env bash
# Figures of the one-node Slurm: start.sh wall time, sbatch->RUNNING latency, and the
# per-sbatch wall time of submitting N trivial jobs (median). Usage: measure.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100}
dir=$(mktemp -d /tmp/heyhi-slurm-measure.XXXXXX)
trap '"$here/stop.sh" "$dir"; rm -rf "$dir"' EXIT
now() { date +%s.%N; }

t0=$(now)
eval "$("$here/start.sh" "$dir")"
t1=$(now)
echo "start.sh (to idle node): $(echo "$t1 - $t0" | bc) s"

printf '#!/bin/bash\n#SBATCH --output=/dev/null\nsleep 1\n' >"$dir/sleep.sh"
lat=()
for _ in 1 2 3 4 5; do
  s=$(now)
  id=$(sbatch --parsable "$dir/sleep.sh")
  until [[ $(squeue -h -j "$id" -o %T) == RUNNING ]]; do sleep 0.01; done
  lat+=("$(echo "$(now) - $s" | bc)")
  while [[ -n $(squeue -h -j "$id" -o %T) ]]; do sleep 0.05; done
done
echo "sbatch->RUNNING (5 runs, includes squeue polling every 10 ms): ${lat[*]} s"

printf '#!/bin/bash\n#SBATCH --output=/dev/null\ntrue\n' >"$dir/true.sh"
per=()
t0=$(now)
for _ in $(seq "$n"); do
  s=$(now)
  sbatch --parsable "$dir/true.sh" >/dev/null
  per+=("$(echo "$(now) - $s" | bc)")
done
t1=$(now)
median=$(printf '%s\n' "${per[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "$n sbatch submissions: total $(echo "$t1 - $t0" | bc) s, median per sbatch $median s"
