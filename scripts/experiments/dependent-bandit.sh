#!/usr/bin/env bash
# The learning check of the trainer: `train` with the default configuration
# (no --updates: the default budget) on the dependent two-arm bandit, then
# `eval` on 1000 trials, for five seeds each of lsnn and lstm.
#
#     scripts/experiments/dependent-bandit.sh [OUT_DIR] [AGENTS] [SEEDS]
#
# Defaults: OUT_DIR=runs/dependent-bandit, AGENTS="lsnn lstm", SEEDS="1 2 3 4 5".
# Writes OUT_DIR/AGENT-SEED/ (run directories), OUT_DIR/AGENT-SEED.eval.txt
# and a summary table OUT_DIR/summary.csv (agent,seed,train_s,mean_total_reward,ci95).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-runs/dependent-bandit}"
agents="${2:-lsnn lstm}"
seeds="${3:-1 2 3 4 5}"
# LSNN_RL_BIN pins a built binary (so edits to the sources during a long
# experiment do not change it midway); default: build and run the checkout.
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
mkdir -p "$out"
summary="$out/summary.csv"
[ -f "$summary" ] || echo "agent,seed,train_s,mean_total_reward,ci95" > "$summary"
for agent in $agents; do
    for seed in $seeds; do
        run="$out/$agent-$seed"
        if grep -q "^$agent,$seed," "$summary"; then continue; fi
        rm -rf "$run"
        start=$(date +%s.%N)
        "$lsnn_rl" train --env bandit-dependent --agent "$agent" --seed "$seed" --out "$run" --quiet > /dev/null
        train_s=$(echo "$(date +%s.%N) - $start" | bc)
        "$lsnn_rl" eval --run "$run" --trials 1000 --seed 424242 > "$run.eval.txt"
        # The summary row: the agent's mean total reward and its interval.
        read -r reward ci < <(awk 'NR==3 {print $(NF-3), $(NF-2)}' "$run.eval.txt")
        echo "$agent,$seed,$train_s,$reward,$ci" >> "$summary"
        echo "$agent seed $seed: $reward ± $ci in ${train_s}s"
    done
done
column -t -s, "$summary" 2>/dev/null || cat "$summary"
