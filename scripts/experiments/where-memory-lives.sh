#!/usr/bin/env bash
# Where the memory lives (docs/RESULTS.md, section 6 "Where the memory lives"): decode
# the task variable from each part of trained agents' state, and lesion each
# part from mid-trial on, on the dependent bandit, the grid water maze and
# the continuous water maze (arena).
#
#     scripts/experiments/where-memory-lives.sh RUNS_DIR [OUT_DIR]
#
# RUNS_DIR holds the trained runs (docs/RESULTS.md says how each was trained):
#   dep-lsnn-S   LSNN, bandit-dependent, default configuration (e-prop), S = 1..10
#   dep-lstm-S   LSTM, bandit-dependent, default configuration
#   maze-lsnn-S  LSNN, maze-water-grid, the session-8 recipe (k_steps 2,
#                40 000 updates; today's recipe has k_steps 3 and 60 000)
#   maze-lstm-S  LSTM, maze-water-grid, default configuration (--no-recipe)
#   arena-lsnn-S LSNN, arena-water:steps=100, the shipped recipe (heads read
#                membrane potentials, so `readout@50` replaces `spikes@50`)
#   arena-lstm-S LSTM, arena-water:steps=100, 40 000 updates
# Every run present is lesioned; the first DECODE_SEEDS seeds (default 3) of
# each kind are also decoded. OUT_DIR (default docs/results/where-memory-lives)
# gets RUN/decode-TARGET.csv and .png per decoded run and RUN-lesions.csv
# per run, and lesions.csv (every run's lesion rows, with the run's name).
# LSNN_RL_BIN pins a built binary (default: build and run the checkout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:?usage: where-memory-lives.sh RUNS_DIR [OUT_DIR]}"
out="${2:-$root/docs/results/where-memory-lives}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
# The same trials for decoding and lesions: eval's default seed.
seed=1000003
mkdir -p "$out"

decode_seeds="${DECODE_SEEDS:-3}"

decode() { # RUN TARGET
    local run="$runs/$1"
    echo "== decode $1 $2"
    "$lsnn_rl" analyze decode "$run" --target "$2" --trials 300 --every 10 \
        --shuffles 2 --seed "$seed" --threads 1 --quiet --out "$out/$1"
}

lesions() { # RUN LESION...
    local name="$1"; shift
    local run="$runs/$name"
    local flags=()
    for l in "$@"; do flags+=(--lesion "$l"); done
    echo "== lesions $name"
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed "$seed" --threads 1 --quiet "${flags[@]}"
    cp "$run/analysis/lesions.csv" "$out/$name-lesions.csv"
}

# From mid-trial (step 50 of 100): b held at zero (the ALIF neurons become
# LIF neurons), b zeroed once (its content erased, free to refill), b
# frozen; v zeroed once; the filtered spikes zeroed once. adaptation@0: no
# adaptation at all. For the LSTM: h and c zeroed once, or frozen.
spiking=(adaptation@50 adaptation@50:reset adaptation@50:hold adaptation@0 membrane@50 spikes@50)
lstm=(state@50 state@50:hold)
# Heads that read membrane potentials keep no filtered spikes: their
# filtered input is lesioned as `readout`.
membrane_read=("${spiking[@]/spikes@50/readout@50}")

for kind in dep-lsnn dep-lstm maze-lsnn maze-lstm arena-lsnn arena-lstm; do
    case "$kind" in
        dep-*) target=best_arm ;;
        maze-* | arena-*) target=goal_x ;;
    esac
    case "$kind" in
        arena-lsnn) parts=("${membrane_read[@]}") ;;
        *-lsnn) parts=("${spiking[@]}") ;;
        *-lstm) parts=("${lstm[@]}") ;;
    esac
    for run in $(cd "$runs" && ls -d "$kind"-* 2>/dev/null | sort -t- -k3 -n); do
        seed_of_run="${run##*-}"
        if [ "$seed_of_run" -le "$decode_seeds" ]; then decode "$run" "$target"; fi
        lesions "$run" "${parts[@]}"
    done
done

# Every run's lesion rows in one table, the run named in the first column.
{
    echo "run,$(head -1 "$(ls "$out"/*-lesions.csv | head -1)")"
    for f in "$out"/*-lesions.csv; do
        name="$(basename "$f" -lesions.csv)"
        tail -n +2 "$f" | sed "s/^/$name,/"
    done
} > "$out/lesions.csv"
