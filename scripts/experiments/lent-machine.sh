#!/usr/bin/env bash
# Runs the bandit results sweeps on a lent many-core machine (no Rust there):
# a binary built here, that machine's own PyTorch 2.11.0 libraries, one core
# per cell, everything stopped after LIMIT seconds (cells left unfinished
# resume later with the same sweep commands). Copies the tables and the run
# directories' small files to OUT_DIR/results.tar.gz.
#
#     scripts/experiments/lent-machine.sh BINARY OUT_DIR [LIMIT]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$(realpath "$1")"
out="$2"
limit="${3:-470}"
torch_lib="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')/lib"
export LD_LIBRARY_PATH="$torch_lib" LSNN_RL_BIN="$bin"
lscpu | grep -E 'Model name|^CPU\(s\)'
cd "$root"
timeout "$limit" scripts/experiments/run-sweep.sh scripts/experiments/rl2-bandits.toml 11 &
timeout "$limit" scripts/experiments/dependent-matrix.sh 5 &
wait
"$bin" sweep collect scripts/experiments/rl2-bandits.toml --csv runs/results/rl2-bandits.csv --partial
"$bin" sweep plan scripts/experiments/rl2-bandits.toml > runs/results/rl2-bandits.plan.txt
"$bin" sweep plan scripts/experiments/dependent-matrix.toml > runs/results/dependent-matrix.plan.txt
mkdir -p "$out"
tar czf "$out/results.tar.gz" runs/results
ls -la "$out"
