#!/usr/bin/env bash
# Runs one results sweep on this machine and collects its table:
#
#     scripts/experiments/run-sweep.sh SWEEP.toml [JOBS]
#
# JOBS cells at a time (default: the number of cores), one thread each;
# complete cells are skipped, interrupted ones resumed. Writes
# runs/results/NAME.csv (mean and 95% interval over seeds per cell).
# LSNN_RL_BIN pins a built binary (default: build and run the checkout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
sweep="$1"
jobs="${2:-$(nproc)}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
name="$(basename "$sweep" .toml)"
mkdir -p "$root/runs/results"
start=$(date +%s)
"$lsnn_rl" sweep run "$sweep" --local --jobs "$jobs" --quiet || echo "some cells failed; see sweep plan" >&2
echo "$name: $(( $(date +%s) - start )) s wall on $jobs jobs"
"$lsnn_rl" sweep collect "$sweep" --csv "$root/runs/results/$name.csv" --partial
