#!/usr/bin/env bash
# Stops the one-node Slurm that tools/slurm/start.sh started in DIR; safe to run twice.
#
# Usage: stop.sh DIR   Kills slurmd, slurmctld and munged by their pid files and waits for
# them to go (a zombie counts as gone: its parent, not us, must reap it).
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

# slurmd first, so jobs' steps end while the controller still listens; munge last.
stop_one "$dir/run/slurmd.pid"
stop_one "$dir/run/slurmctld.pid"
stop_one "$dir/run/munged.pid"
exit 0
