#!/usr/bin/env bash
# A single-node Slurm cluster on 127.0.0.1, for tests and for trying
# `lsnn-rl sweep run --slurm` on one machine (docs/sweeps.md).
#
#     scripts/slurm-local.sh start DIR   # writes DIR/slurm.conf, starts slurmctld + slurmd
#     export SLURM_CONF=DIR/slurm.conf   # then sbatch, squeue, sinfo find the cluster
#     scripts/slurm-local.sh stop DIR    # stops the daemons started in DIR, by their pid files
#
# Needs root and Debian's slurm-wlm (apt-get install -y --no-install-recommends
# slurm-wlm munge); ports 6817 and 6818 must be free. Authentication is
# auth/none: the cluster trusts every local user, so it listens on 127.0.0.1
# only. `stop` signals only the pids in DIR's pid files and waits for each to
# exit; it never stops daemons by name.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
action=$1
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
conf="$dir/slurm.conf"
# Newest first: stop reads them in this order.
pidfiles=("$dir/slurmd.pid" "$dir/slurmctld.pid")

stop() {
    local status=0
    for pidfile in "${pidfiles[@]}"; do
        [[ -f $pidfile ]] || continue
        local pid
        pid=$(cat "$pidfile")
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" || true
            local waited=0
            while kill -0 "$pid" 2>/dev/null; do
                if ((waited >= 300)); then
                    echo "slurm-local: pid $pid ($pidfile) did not exit after SIGTERM; sending SIGKILL" >&2
                    kill -KILL "$pid" 2>/dev/null || true
                    status=1
                    break
                fi
                sleep 0.1
                waited=$((waited + 1))
            done
        fi
        rm -f "$pidfile"
    done
    return "$status"
}

wait_for_pidfile() {
    local pidfile=$1 name=$2 log=$3
    for _ in $(seq 100); do
        if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "slurm-local: $name did not start; its log $log ends with:" >&2
    tail -n 20 "$log" >&2 || true
    return 1
}

start() {
    for tool in slurmctld slurmd sinfo; do
        if ! command -v "$tool" >/dev/null; then
            echo "slurm-local: $tool not found; install Slurm: apt-get install -y --no-install-recommends slurm-wlm munge" >&2
            exit 1
        fi
    done
    if [[ $(id -u) -ne 0 ]]; then
        echo "slurm-local: the daemons run as root here; run as root" >&2
        exit 1
    fi
    for pidfile in "${pidfiles[@]}"; do
        if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "slurm-local: a daemon of $dir is running already (pid $(cat "$pidfile")); run: $0 stop $dir" >&2
            exit 1
        fi
    done
    rm -rf "$dir/state" "$dir/spool"
    mkdir -p "$dir/state" "$dir/spool"
    local cpus
    cpus=$(nproc)
    cat >"$conf" <<EOF
ClusterName=lsnnrl
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$conf
    # -c: a clean start, no jobs from an earlier cluster in this folder.
    slurmctld -c -f "$conf"
    wait_for_pidfile "$dir/slurmctld.pid" slurmctld "$dir/slurmctld.log" || { stop; exit 1; }
    slurmd -f "$conf" -N localhost
    wait_for_pidfile "$dir/slurmd.pid" slurmd "$dir/slurmd.log" || { stop; exit 1; }
    for _ in $(seq 100); do
        if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
            echo "slurm-local: cluster up (SLURM_CONF=$conf)"
            return 0
        fi
        sleep 0.2
    done
    echo "slurm-local: the node did not become idle; slurmctld log:" >&2
    tail -n 20 "$dir/slurmctld.log" >&2 || true
    stop
    exit 1
}

case $action in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
