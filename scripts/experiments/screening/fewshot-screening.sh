#!/usr/bin/env bash
# The screening behind docs/RESULTS.md section 8 (learning-to-learn from a
# teacher): every variant trained 5000 updates on function-net with training
# seed 1 (plain defaults, no recipe), then evaluated on 1000 functions of the tuning seed 2000003 (never
# the reporting seed 1000003). Writes runs/fewshot-screen/NAME and
# docs/results/fewshot/screening.csv (the error after k examples per variant).
#
#     scripts/experiments/screening/fewshot-screening.sh
#
# LSNN_RL_BIN pins a built binary (default: build and run the checkout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
runs="$root/runs/fewshot-screen"
table="$root/docs/results/fewshot/screening.csv"
mkdir -p "$runs" "$(dirname "$table")"

run() { # NAME ENV UPDATES TRAIN_FLAGS...
    local name="$1" env="$2" updates="$3"
    shift 3
    local out="$runs/$name"
    if [ ! -f "$out.done" ]; then
        local start
        start=$(date +%s)
        "$lsnn_rl" train --env "$env" --seed 1 --updates "$updates" --out "$out" --overwrite --no-recipe \
            --threads 1 --quiet "$@" > /dev/null
        echo "$(( $(date +%s) - start ))" > "$out.done"
    fi
    "$lsnn_rl" eval --run "$out" --trials 1000 --seed 2000003 --threads 1 --quiet > /dev/null
    cp "$out/analysis/fewshot-curve.csv" "$out.tune-curve.csv"
}

net=function-net
norate=(--set train.rate_weight=0)
# Round 1: the defaults of each network, and the LSNN's first levers.
run lsnn-base $net 5000 --agent lsnn
run lif-base $net 5000 --agent lif
run lstm-base $net 5000 --agent lstm
run gru-base $net 5000 --agent gru
run lsnn-norate $net 5000 --agent lsnn "${norate[@]}"
run lsnn-k2 $net 5000 --agent lsnn --set agent.k_steps=2
run lsnn-lr1e-2 $net 5000 --agent lsnn --set train.lr=0.01 --set train.lr_final=0.001
run lsnn-batch64 $net 5000 --agent lsnn --set train.batch=64
# Round 2: neuron and readout levers without the rate penalty, and budget.
run lsnn-norate-tauout1 $net 5000 --agent lsnn "${norate[@]}" --set agent.tau_out=1
run lsnn-norate-taum5 $net 5000 --agent lsnn "${norate[@]}" --set agent.tau_m=5
run lsnn-norate-thr03 $net 5000 --agent lsnn "${norate[@]}" --set agent.thr_lif=0.3 --set agent.thr_alif=0.3
run lsnn-norate-2018 $net 5000 --agent lsnn "${norate[@]}" --set agent.model=bellec2018 \
    --set agent.thr_lif=0.01 --set agent.thr_alif=0.01
run lsnn-norate-k3 $net 5000 --agent lsnn "${norate[@]}" --set agent.k_steps=3
run lsnn-norate-k3-tauout1 $net 5000 --agent lsnn "${norate[@]}" --set agent.k_steps=3 --set agent.tau_out=1
run lsnn-norate-ws2 $net 5000 --agent lsnn "${norate[@]}" --set agent.weight_scale=2
run lsnn-norate-20k $net 20000 --agent lsnn "${norate[@]}"
# Round 3: the teacher shows whole examples (x_{t-1} with its target).
run lsnn-pair $net:teacher=pair 5000 --agent lsnn
run lsnn-pair-norate $net:teacher=pair 5000 --agent lsnn "${norate[@]}"
run lstm-pair $net:teacher=pair 5000 --agent lstm
run lif-pair-norate $net:teacher=pair 5000 --agent lif "${norate[@]}"
# Round 4: 300 neurons at 10% connectivity with Deep R (about the LSTM's parameters).
run lsnn-300-sparse $net 5000 --agent lsnn "${norate[@]}" --set agent.n_lif=150 --set agent.n_alif=150 \
    --set agent.connectivity=0.1 --set train.rewiring=true
# Round 5: inputs also as a population code (10 Gaussian units per input).
run lsnn-pop10 $net:population=10 5000 --agent lsnn
# Round 6: ten network steps per example (the input held for all of them).
run lsnn-norate-k10 $net 5000 --agent lsnn "${norate[@]}" --set agent.k_steps=10
# Round 7 (session 14): the heads read filtered membrane potentials.
membrane=(--set agent.readout=membrane)
run lsnn-membrane $net 5000 --agent lsnn "${membrane[@]}"
run lsnn-norate-membrane $net 5000 --agent lsnn "${norate[@]}" "${membrane[@]}"
run lsnn-norate-k3-membrane $net 5000 --agent lsnn "${norate[@]}" "${membrane[@]}" --set agent.k_steps=3
run lsnn-norate-k10-membrane $net 5000 --agent lsnn "${norate[@]}" "${membrane[@]}" --set agent.k_steps=10
# Round 8 (session 19): longer presentations under the recipe's rate ceiling.
ceiling=(--set train.rate_penalty=above --set train.rate_target=0.1)
run lsnn-ceiling-k10 $net 5000 --agent lsnn "${ceiling[@]}" --set agent.k_steps=10
run lsnn-ceiling-k20 $net 5000 --agent lsnn "${ceiling[@]}" --set agent.k_steps=20
run lsnn-ceiling-k30 $net 5000 --agent lsnn "${ceiling[@]}" --set agent.k_steps=30

{
    echo "variant,updates,train_s,k0,k1,k2,k3,k5,k10,k20,k29"
    for done in "$runs"/*.done; do
        name="$(basename "$done" .done)"
        curve="$runs/$name.tune-curve.csv"
        [ -f "$curve" ] || continue
        updates="$(tail -1 "$runs/$name/train.csv" | cut -d, -f1)"
        row="$(awk -F, 'NR>1 && ($1==0||$1==1||$1==2||$1==3||$1==5||$1==10||$1==20||$1==29) {printf ",%.4f", $2}' "$curve")"
        echo "$name,$updates,$(cat "$done" | tr -dc '0-9')$row"
    done
} > "$table"
echo "wrote $table"
