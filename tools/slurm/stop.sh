#!/usr/bin/env bash
# Stops the one-node Slurm that tools/slurm/start.sh started in DIR; safe to run twice.
#
# Usage: stop.sh DIR   Cancels the cluster's jobs (waiting up to 10 s for them to end), kills
# slurmd, slurmctld and munged by their pid files and waits for them to go (a zombie counts
# as gone: its parent, not us, must reap it), then kills what is left of the cluster's jobs.
set -uo pipefail

dir=${1:?usage: stop.sh DIR}
[[ -d $dir ]] || exit 0

alive() {
  local pid=$1 state
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

stop_one() {
  local pidfile=$1 pid
  [[ -f $pidfile ]] || return 0
  pid=$(tr -dc '0-9' <"$pidfile")
  if [[ -n $pid ]] && alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null
      for _ in $(seq 1 50); do
        alive "$pid" || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$pidfile"
}

# Jobs first, while slurmd and the controller still listen: a job step whose daemons are
# gone waits for them for ever. Cancel every job and wait (at most 10 s) until none runs.
ctld_pid=$(tr -dc '0-9' <"$dir/run/slurmctld.pid" 2>/dev/null)
if [[ -f $dir/slurm.conf && -n $ctld_pid ]] && alive "$ctld_pid"; then
  export SLURM_CONF=$dir/slurm.conf
  timeout 10 scancel --user=root >/dev/null 2>&1
  for _ in $(seq 1 100); do
    busy=$(timeout 10 squeue -h -t running,completing,configuring,suspended -o %i 2>/dev/null) || break
    [[ -z $busy ]] && break
    sleep 0.1
  done
fi

# slurmd first, so jobs' steps end while the controller still listens; munge last.
stop_one "$dir/run/slurmd.pid"
stop_one "$dir/run/slurmctld.pid"
stop_one "$dir/run/munged.pid"

# What outlived the daemons all the same: this cluster's slurmstepd processes and the
# processes of its jobs (SLURM_JOB_ID set, SLURM_CONF this cluster's), never this script
# or the processes that started it.
ours=" $$ "
ancestor=$PPID
while [[ -n $ancestor && $ancestor -gt 1 ]]; do
  ours+="$ancestor "
  ancestor=$(awk '{print $4}' "/proc/$ancestor/stat" 2>/dev/null)
done
for environ in /proc/[0-9]*/environ; do
  pid=${environ#/proc/}
  pid=${pid%/environ}
  [[ $ours == *" $pid "* ]] && continue
  vars=$(tr '\0' '\n' 2>/dev/null <"$environ") || continue
  grep -qx "SLURM_CONF=$dir/slurm.conf" <<<"$vars" || continue
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == slurmstepd ]] || grep -q '^SLURM_JOB_ID=' <<<"$vars"; then
    kill -KILL "$pid" 2>/dev/null
  fi
done
exit 0
