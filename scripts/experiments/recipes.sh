#!/usr/bin/env bash
# The confirming runs of the shipped recipes (issue 15; docs/RESULTS.md,
# "Recipes against the old defaults"): train AGENT on ENV with the recipe
# that `lsnn-rl train` picks by itself (configs/FAMILY/AGENT.toml), one run
# per seed, then evaluate it on 1000 tasks of the reporting seed 1000003.
#
#     scripts/experiments/recipes.sh ENV AGENT [SEEDS] [-- TRAIN FLAGS...]
#
# Examples (the rows of RESULTS.md):
#     NAME=maze-water-grid-lsnn-k5 scripts/experiments/recipes.sh maze-water-grid lsnn "1 2 3 4 5"
#     NAME=maze-water-grid-lsnn-k3 scripts/experiments/recipes.sh maze-water-grid lsnn "1 2 3 4 5" -- --set agent.k_steps=3
#     scripts/experiments/recipes.sh bandit-bernoulli:arms=10,pulls=100 lsnn 1
#     scripts/experiments/recipes.sh bandit-bernoulli:arms=5,pulls=10 lsnn "1 2 3"
#     scripts/experiments/recipes.sh arena-water:steps=100 lsnn "1 2 3"
#     scripts/experiments/recipes.sh arena-water:steps=100 lstm "1 2 3 4 5"   # the gated baselines' recipes
#     scripts/experiments/recipes.sh maze-water-grid gru "1 2 3"
#     EVAL_ENV=maze-random:size=5,horizon=100,layouts=test \
#         scripts/experiments/recipes.sh maze-random:size=5,horizon=100,layouts=train lsnn "1 2 3"
#
# Runs go to runs/recipes/NAME-SEED (NAME: the environment id and the agent,
# or NAME=... for a variant with train flags; complete runs are kept, so an
# interrupted script picks up where it stopped), each evaluation's table to
# docs/results/recipes/NAME-SEED.txt with the training time in seconds of
# one core. LSNN_RL_BIN pins a built binary; EVAL_ENV evaluates on another
# spec than the training one (the random maze's test pool of layouts).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
env="${1:?usage: recipes.sh ENV AGENT [SEEDS] [-- TRAIN FLAGS...]}"
agent="${2:?usage: recipes.sh ENV AGENT [SEEDS] [-- TRAIN FLAGS...]}"
shift 2
seeds="1 2 3"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    seeds="$1"
    shift
fi
[ "${1:-}" = "--" ] && shift
if [ $# -gt 0 ] && [ -z "${NAME:-}" ]; then
    echo "recipes.sh: train flags make a variant of the recipe; name its runs with NAME=..." >&2
    exit 2
fi
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
# shellcheck source=scripts/experiments/train-once.sh
source "$root/scripts/experiments/train-once.sh"
name="${NAME:-$(echo "${env%%:*}-$agent${env#"${env%%:*}"}" | tr ':,=' '-__')}"
out="$root/docs/results/recipes"
mkdir -p "$out" "$root/runs/recipes"
for seed in $seeds; do
    run="$root/runs/recipes/$name-$seed"
    train_once "$run" --env "$env" --agent "$agent" --seed "$seed" "$@"
    {
        "$lsnn_rl" eval --run "$run" ${EVAL_ENV:+--env "$EVAL_ENV"} --trials 1000 --seed 1000003 --threads 1 --quiet
        echo "trained in $(cat "$run.done") s of one core"
    } | tee "$out/$name-$seed.txt"
done
