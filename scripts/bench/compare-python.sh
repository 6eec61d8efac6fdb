#!/usr/bin/env bash
# The `small` preset against the eager PyTorch reference, one thread each,
# alternating the two ROUNDS times so both see the same machine load; prints
# each round and the ratio of the medians.
#
#     scripts/bench/compare-python.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rounds="${1:-5}"
# shellcheck source=scripts/torch-env.sh
source scripts/torch-env.sh >/dev/null
# LSNN_RL_BIN pins a built binary; default: build the checkout.
if [[ -z "${LSNN_RL_BIN:-}" ]]; then
    cargo build --release --locked --quiet
fi
bin="${LSNN_RL_BIN:-target/release/lsnn-rl}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rust=()
python=()
for round in $(seq "$rounds"); do
    "$bin" bench --preset small --threads 1 --repeats 20 --quiet --csv "$work/rust.csv" >/dev/null
    r=$(python -c 'import csv, sys
print(next(row["env_steps_per_s"] for row in csv.DictReader(open(sys.argv[1])) if row["mode"] == "train"))' "$work/rust.csv")
    p=$(python scripts/bench/python_reference.py --threads 1 --updates 20 |
        python -c 'import json, sys; print(json.load(sys.stdin)["env_steps_per_s"])')
    printf 'round %d: lsnn-rl %.0f env-steps/s, python eager %.0f env-steps/s\n' "$round" "$r" "$p"
    rust+=("$r")
    python+=("$p")
done
python - "${rust[*]}" "${python[*]}" <<'PY'
import statistics, sys
rust = [float(x) for x in sys.argv[1].split()]
py = [float(x) for x in sys.argv[2].split()]
r, p = statistics.median(rust), statistics.median(py)
print(f"median: lsnn-rl {r:.0f}, python eager {p:.0f} env-steps/s; ratio {r / p:.2f}x")
PY
