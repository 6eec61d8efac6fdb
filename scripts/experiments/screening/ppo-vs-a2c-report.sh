#!/usr/bin/env bash
# docs/RESULTS.md's "A2C against PPO at equal environment steps": trains the
# cells of ppo-vs-a2c.toml that are not complete (5000 updates each, PPO and
# A2C, seeds 1 to 5), then evaluates every cell on 1000 trials of the tuning
# seed 2000003 and of the reporting seed 1000003 and writes one row per cell:
#
#     scripts/experiments/screening/ppo-vs-a2c-report.sh [JOBS] [OUT_CSV]
#
# OUT_CSV defaults to runs/results/ppo-vs-a2c-seeds.csv; columns algo, seed,
# tuning, reporting (mean total reward per trial), train_s (the cell's
# training wall time, from its train.csv). LSNN_RL_BIN pins a built binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
sweep="$root/scripts/experiments/screening/ppo-vs-a2c.toml"
out="${2:-$root/runs/results/ppo-vs-a2c-seeds.csv}"
LSNN_RL_BIN="$lsnn_rl" "$root/scripts/experiments/run-sweep.sh" "$sweep" "${1:-$(nproc)}"

mean_reward() { # RUN SEED: the mean total reward of 1000 trials
    "$lsnn_rl" eval --run "$1" --trials 1000 --seed "$2" --threads 1 --quiet |
        awk 'NR == 3 { print $(NF - 3) }'
}
mkdir -p "$(dirname "$out")"
echo "algo,seed,tuning,reporting,train_s" > "$out.tmp"
for cell in "$root"/runs/screening/ppo-vs-a2c/algo-*_seed-*; do
    name="$(basename "$cell")"           # algo-ppo_seed-3
    algo="${name#algo-}" algo="${algo%%_*}" seed="${name##*-}"
    train_s="$(tail -1 "$cell/train.csv" | cut -d, -f3)"
    # Assigned first, so a failed evaluation stops the script (set -e).
    tuning="$(mean_reward "$cell" 2000003)"
    reporting="$(mean_reward "$cell" 1000003)"
    echo "$algo,$seed,$tuning,$reporting,$train_s" >> "$out.tmp"
done
mv "$out.tmp" "$out"
cat "$out"
