#!/usr/bin/env bash
# The probes behind the navigation runs' neuron model (docs/RESULTS.md,
# "What was tried"): the LSNN on the grid water maze (size 7, 100 steps),
# seed 1, 5000 updates, with one change each against the default
# configuration (bellec2018 model, row `lsnn` seed 1 of water-maze.toml):
#
#   tau-m-3      agent.tau_m = 3 (a faster membrane, 2018 model)
#   eprop        agent.model = eprop2020, thresholds 0.6
#   eprop-rate   the same with a firing-rate penalty 1.0 x (rate - 0.05)^2
#
# then 1000 evaluation trials on seed 1000003. About 2.5 minutes per probe
# on one core here.
#
#     scripts/experiments/maze-model-probes.sh [OUT_DIR]
#
# Writes OUT_DIR/NAME/ (run directories) and OUT_DIR/NAME.eval.txt
# (default OUT_DIR: runs/results/maze-model-probes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/runs/results/maze-model-probes}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
# The configuration the probes changed one key of: the plain defaults of the
# time (no recipe), the 2018 model without a rate penalty, 5000 updates, as
# water-maze.toml pins them.
default=(--no-recipe --updates 5000 --set agent.model=bellec2018 --set agent.thr_lif=0.01
    --set agent.thr_alif=0.01 --set train.rate_weight=0 --set train.rate_target=0.01)
eprop=(--set agent.model=eprop2020 --set agent.thr_lif=0.6 --set agent.thr_alif=0.6)
probe() {
    local name="$1"
    shift
    "$lsnn_rl" train --env maze-water-grid --agent lsnn --seed 1 --set train.eval_every=500 \
        "${default[@]}" "$@" --out "$out/$name" --overwrite --quiet > /dev/null
    "$lsnn_rl" eval --run "$out/$name" --trials 1000 --seed 1000003 --quiet > "$out/$name.eval.txt"
    tail -n 1 "$out/$name.eval.txt"
}
mkdir -p "$out"
probe tau-m-3 --set agent.tau_m=3
probe eprop "${eprop[@]}"
probe eprop-rate "${eprop[@]}" --set train.rate_weight=1 --set train.rate_target=0.05
