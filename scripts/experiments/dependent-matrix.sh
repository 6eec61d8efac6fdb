#!/usr/bin/env bash
# Results experiment 2: LSNNs trained on each difficulty of the dependent
# bandit (scripts/experiments/dependent-matrix.toml), then each tested on all
# four difficulties, 1000 trials on seed 1000003:
#
#     scripts/experiments/dependent-matrix.sh [JOBS]
#
# Writes runs/results/dependent-matrix.csv (the sweep's own table) and
# runs/results/dependent-matrix-tests.csv (train,test,seed,mean_total_reward,
# ci95,mean_regret,regret_ci95 per trained cell and test difficulty).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${1:-$(nproc)}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
sweep="$root/scripts/experiments/dependent-matrix.toml"
"$root/scripts/experiments/run-sweep.sh" "$sweep" "$jobs"
out="$root/runs/results/dependent-matrix-tests.csv"
echo "train,test,seed,mean_total_reward,ci95,mean_regret,regret_ci95" > "$out.tmp"
for run in "$root"/runs/results/dependent-matrix/*/; do
    [[ -f "$run/final-eval.json" ]] || continue
    train=$(grep -o 'difficulty=[a-z]*' "$run/config.toml" | head -1 | cut -d= -f2)
    seed=$(awk -F' = ' '$1 == "seed" { print $2 }' "$run/config.toml")
    for test in uniform easy medium hard; do
        # Row 3 of eval's table is the agent's: reward, ±95%, regret, ±95%.
        read -r reward ci regret regret_ci < <("$lsnn_rl" eval --run "$run" \
            --env "bandit-dependent:difficulty=$test" --trials 1000 --seed 1000003 |
            awk 'NR == 3 { print $(NF-3), $(NF-2), $(NF-1), $NF }')
        echo "$train,$test,$seed,$reward,$ci,$regret,$regret_ci" >> "$out.tmp"
    done
done
mv "$out.tmp" "$out"
column -t -s, "$out" 2>/dev/null || cat "$out"
