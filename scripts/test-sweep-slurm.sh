#!/usr/bin/env bash
# The small sweep (sweeps/small.toml) on a real single-node Slurm cluster,
# against the local runner: starts the cluster (scripts/slurm-local.sh), runs
# the sweep with `--local` in one folder and with `--slurm --wait` in another,
# checks that `sweep collect` gives the same CSV, that a resubmission has
# nothing to do, and stops the daemons it started, also when a step fails.
#
#     scripts/test-sweep-slurm.sh [CSV_OUT]
#
# LSNN_RL_BIN names the binary (the tests pass theirs); otherwise it is built
# by scripts/lsnn-rl. Needs root and slurm-wlm; ports 6817 and 6818 free.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z ${LSNN_RL_BIN:-} ]]; then
    "$root/scripts/lsnn-rl" info >/dev/null
    LSNN_RL_BIN="$root/target/release/lsnn-rl"
fi
bin=$LSNN_RL_BIN
work=$(mktemp -d "${TMPDIR:-/tmp}/lsnn-rl-slurm.XXXXXX")
cluster="$work/cluster"

cleanup() {
    local status=$?
    "$root/scripts/slurm-local.sh" stop "$cluster" || status=1
    if [[ $status -eq 0 ]]; then
        rm -rf "$work"
    else
        echo "test-sweep-slurm: failed; files kept in $work" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/scripts/slurm-local.sh" start "$cluster"
export SLURM_CONF="$cluster/slurm.conf"

for runner in local slurm; do
    mkdir -p "$work/$runner"
    cp "$root/sweeps/small.toml" "$work/$runner/small.toml"
done

start=$(date +%s%N)
"$bin" sweep run "$work/local/small.toml" --local --jobs 2 --quiet
local_ms=$(( ($(date +%s%N) - start) / 1000000 ))

start=$(date +%s%N)
"$bin" sweep run "$work/slurm/small.toml" --slurm --wait --time 00:10:00 --jobs 2
slurm_ms=$(( ($(date +%s%N) - start) / 1000000 ))

# Idempotent: nothing is left to submit.
again=$("$bin" sweep run "$work/slurm/small.toml" --slurm --wait)
grep -q "nothing to submit" <<<"$again" || { echo "resubmission did something: $again" >&2; exit 1; }

"$bin" sweep collect "$work/local/small.toml" --csv "$work/local.csv" >/dev/null
"$bin" sweep collect "$work/slurm/small.toml" --csv "$work/slurm.csv" >/dev/null
if ! cmp -s "$work/local.csv" "$work/slurm.csv"; then
    echo "test-sweep-slurm: the collected tables differ" >&2
    diff "$work/local.csv" "$work/slurm.csv" >&2 || true
    exit 1
fi
# Every cell ran as an array task and logged there.
tasks=$(find "$work/slurm/runs/small/slurm" -name '*.out' | wc -l)
[[ $tasks -eq 4 ]] || { echo "expected 4 array task outputs, found $tasks" >&2; exit 1; }

echo "local runner: ${local_ms} ms; Slurm runner: ${slurm_ms} ms; identical CSV:"
cat "$work/slurm.csv"
if [[ $# -ge 1 ]]; then
    cp "$work/slurm.csv" "$1"
fi
