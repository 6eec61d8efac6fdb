#!/usr/bin/env bash
# Where the memory lives (docs/RESULTS.md, "Where the memory lives"): decode
# the task variable from each part of trained agents' state, and lesion each
# part from mid-trial on, on the dependent bandit and the grid water maze.
#
#     scripts/experiments/where-memory-lives.sh RUNS_DIR [OUT_DIR]
#
# RUNS_DIR holds the trained runs (see the section for how each was trained):
#   dep-lsnn-1   LSNN, bandit-dependent, e-prop headline recipe, 15 000 updates
#   dep-lstm-1   LSTM, bandit-dependent, default configuration, 5000 updates
#   maze-lsnn-1  LSNN, maze-water-grid, shipped recipe (k_steps 2), 10 000 updates
#   maze-lstm-1  LSTM, maze-water-grid, default configuration, 5000 updates
# Missing runs are skipped. OUT_DIR (default docs/results/where-memory-lives)
# gets one decode CSV and PNG per run and target and one lesion CSV per run.
# LSNN_RL_BIN pins a built binary (default: build and run the checkout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:?usage: where-memory-lives.sh RUNS_DIR [OUT_DIR]}"
out="${2:-$root/docs/results/where-memory-lives}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
# The same trials for decoding and lesions: eval's default seed.
seed=1000003
mkdir -p "$out"

decode() { # RUN TARGET
    local run="$runs/$1"
    [ -d "$run" ] || { echo "skip $1 (no run)"; return; }
    echo "== decode $1 $2"
    "$lsnn_rl" analyze decode "$run" --target "$2" --trials 300 --every 10 \
        --shuffles 2 --seed "$seed" --threads 1 --quiet --out "$out/$1"
}

lesions() { # RUN LESION...
    local name="$1"; shift
    local run="$runs/$name"
    [ -d "$run" ] || { echo "skip $name (no run)"; return; }
    local flags=()
    for l in "$@"; do flags+=(--lesion "$l"); done
    echo "== lesions $name"
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed "$seed" --threads 1 --quiet "${flags[@]}"
    cp "$run/analysis/lesions.csv" "$out/$name-lesions.csv"
}

spiking_lesions=(adaptation@50 adaptation@50:hold adaptation@0 membrane@50 spikes@50)
lstm_lesions=(state@50 state@50:hold)

decode dep-lsnn-1 best_arm
lesions dep-lsnn-1 "${spiking_lesions[@]}"
decode dep-lstm-1 best_arm
lesions dep-lstm-1 "${lstm_lesions[@]}"
decode maze-lsnn-1 goal_x
lesions maze-lsnn-1 "${spiking_lesions[@]}"
decode maze-lstm-1 goal_x
lesions maze-lstm-1 "${lstm_lesions[@]}"
