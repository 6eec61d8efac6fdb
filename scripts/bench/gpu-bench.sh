#!/usr/bin/env bash
# The `wide` and `large` presets on a CUDA GPU and on the same machine's CPU,
# for a binary built elsewhere with LSNN_RL_CUDA=1 (see docs/performance.md).
# Uses that machine's own PyTorch 2.11.0 libraries. Writes CSVs to OUT_DIR.
#
#     scripts/bench/gpu-bench.sh BINARY OUT_DIR
set -euo pipefail
bin="$1"
out="$2"
mkdir -p "$out"
torch_lib="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')/lib"
export LD_LIBRARY_PATH="$torch_lib"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
lscpu | grep -E 'Model name|^CPU\(s\)' | tee -a "$out/gpu.txt"
"$bin" info | tee -a "$out/gpu.txt"
run() {
    echo "== $*"
    timeout 200 "$bin" bench --preset wide,large --repeats 5 --warmup 2 "$@" || echo "(timed out or failed: $?)"
}
run --device cuda --csv "$out/cuda.csv"
run --device cpu --threads 1 --bptt manual --csv "$out/cpu-manual-1thread.csv"
run --device cpu --threads 16 --bptt autograd --csv "$out/cpu-autograd-16threads.csv"
