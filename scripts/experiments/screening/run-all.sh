#!/usr/bin/env bash
# Screening round 1 for issue 15: every sweep file of this folder, one cell at
# a time at low priority (the machine's other core stays free), each
# collected into runs/results/NAME.csv by run-sweep.sh.
#
#     scripts/experiments/screening/run-all.sh [SWEEP.toml ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/bandit-lsnn-a.toml "$here"/bandit-lstm-a.toml "$here"/bandit-lsnn-b.toml "$here"/maze-lsnn-a.toml)
for f in "${files[@]}"; do
    nice -n 19 "$here/../run-sweep.sh" "$f" 1
done
