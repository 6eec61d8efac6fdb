#!/usr/bin/env bash
# One command per search run of docs/search.md (round 7 on) and of the
# rows of docs/RESULTS.md that came from them: trains the named run again
# from the configuration it recorded, then evaluates it on 1000 trials of the
# tuning seed 2000003 and of the reporting seed 1000003, as the search did.
#
#     scripts/experiments/search-run.sh NAME [NAME ...]
#     scripts/experiments/search-run.sh --list
#
# NAME is a run of scripts/experiments/search-runs.tsv (the file also gives
# the `lsnn-rl train` flags each run was started with); its resolved
# configuration is docs/results/search-configs/NAME.toml (env, seed, agent,
# every key, the recipe it started from). A run whose row says "resume" was
# made by extending another run (`train --resume --updates N`); its recorded
# configuration (`train.schedule_end` = the first run's length) trains the
# same run straight. Writes runs/search/NAME (the run), NAME.tuning.txt and
# NAME.eval.txt. One thread per run; LSNN_RL_BIN pins a built binary.
#
# Runs made before session 15 (rounds 7 to 10) used a kernel that rounds
# differently where the event-driven backward pass applies: with today's
# binary they draw a new run of the same experiment, not the same bits.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
table="$root/scripts/experiments/search-runs.tsv"
configs="$root/docs/results/search-configs"
if [[ $# -eq 0 ]]; then
    echo "usage: search-run.sh NAME [NAME ...] | --list" >&2
    exit 2
fi
if [[ "$1" == "--list" ]]; then
    grep -v '^#' "$table" | cut -f1
    exit 0
fi
mkdir -p "$root/runs/search"
for name in "$@"; do
    config="$configs/$name.toml"
    if [[ ! -f "$config" ]]; then
        echo "unknown search run '$name': see scripts/experiments/search-run.sh --list" >&2
        exit 2
    fi
    run="$root/runs/search/$name"
    "$lsnn_rl" train --config "$config" --out "$run" --overwrite --threads 1 --quiet
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed 2000003 --threads 1 --quiet | tee "$run.tuning.txt"
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed 1000003 --threads 1 --quiet | tee "$run.eval.txt"
done
