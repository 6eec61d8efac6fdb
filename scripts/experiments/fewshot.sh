#!/usr/bin/env bash
# Learning-to-learn from a teacher (docs/RESULTS.md, section 8): train one
# agent on the function family by supervised BPTT for each seed, then
# measure its error per examples seen on 1000 functions training never drew
# (seed 1000003), beside the same network untrained and the few-shot
# baselines (family mean, tuned kernel ridge) on the same functions.
#
#     scripts/experiments/fewshot.sh AGENT [SEEDS] [UPDATES] [ENV] [-- TRAIN FLAGS...]
#
# AGENT: lsnn, lif, lstm or gru; SEEDS (default "1 2 3"); UPDATES (default
# 20000, the same for every agent: equal environment steps); ENV (default
# function-net: 2 inputs, 10 sigmoid hidden units, 30 examples per trial).
# Runs go to runs/fewshot/NAME-SEED (NAME defaults to AGENT; set NAME=...
# for a variant with train flags; complete runs are kept), each run's curve
# to docs/results/fewshot/NAME-SEED.csv; the table over seeds is
# scripts/experiments/fewshot-tables.py's. LSNN_RL_BIN pins a built binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agent="${1:?usage: fewshot.sh AGENT [SEEDS] [UPDATES] [ENV] [-- TRAIN FLAGS...]}"
seeds="${2:-1 2 3}"
updates="${3:-20000}"
env="${4:-function-net}"
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
# shellcheck source=scripts/experiments/train-once.sh
source "$root/scripts/experiments/train-once.sh"
name="${NAME:-$agent}"
out="$root/docs/results/fewshot"
mkdir -p "$out" "$root/runs/fewshot"
for seed in $seeds; do
    run="$root/runs/fewshot/$name-$seed"
    train_once "$run" --env "$env" --agent "$agent" --seed "$seed" --updates "$updates" "$@"
    echo "$name seed $seed: trained in $(cat "$run.done") s"
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed 1000003 --threads 1 --quiet
    cp "$run/analysis/fewshot-curve.csv" "$out/$name-$seed.csv"
done
