#!/usr/bin/env bash
# The scaling table of docs/performance.md: each row of `lsnn-rl bench
# --scaling` in its own process, so that its peak resident memory is its own
# (a process's freed memory is not returned to the system), one thread.
#
#     scripts/bench/scaling.sh [OUT_CSV]     (default docs/results/scaling.csv)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${1:-docs/results/scaling.csv}"
if [[ -z "${LSNN_RL_BIN:-}" ]]; then
    # shellcheck source=scripts/torch-env.sh
    source scripts/torch-env.sh >/dev/null
    cargo build --release --locked --quiet
fi
bin="${LSNN_RL_BIN:-target/release/lsnn-rl}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rows=(neurons=100 neurons=400 neurons=1600 T=100 T=1000 T=100/truncate=100
      T=1000/truncate=100 batch=16 batch=64 batch=256)
for i in "${!rows[@]}"; do
    "$bin" bench --scaling --preset "${rows[$i]}" --threads 1 --repeats 3 --warmup 1 \
        --quiet --csv "$work/$i.csv" | tail -n +2
    if [[ $i -eq 0 ]]; then head -1 "$work/0.csv" > "$work/all.csv"; fi
    tail -n +2 "$work/$i.csv" >> "$work/all.csv"
done
mv "$work/all.csv" "$out"
echo "wrote $out"
