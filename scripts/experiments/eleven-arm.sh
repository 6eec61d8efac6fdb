#!/usr/bin/env bash
# Results experiment 2b: train an eleven-arm sweep (default
# scripts/experiments/eleven-arm.toml), then for every cell play 1000 trials
# (seed 1000003) with its episode log and count the trials in which the
# agent pulls the informative arm (10) first and the target (the arm paying
# 5) on every later pull:
#
#     scripts/experiments/eleven-arm.sh [JOBS] [SWEEP]
#
# Writes runs/results/NAME.csv (the sweep's table) and
# runs/results/NAME-strategy.csv (env,agent,seed,mean_total_reward,
# informative_first,informative_then_target), NAME being the sweep's name.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${1:-$(nproc)}"
lsnn_rl="${LSNN_RL_BIN:-$root/scripts/lsnn-rl}"
sweep="${2:-$root/scripts/experiments/eleven-arm.toml}"
name="$(basename "$sweep" .toml)"
"$root/scripts/experiments/run-sweep.sh" "$sweep" "$jobs"
out="$root/runs/results/$name-strategy.csv"
echo "env,agent,seed,mean_total_reward,informative_first,informative_then_target" > "$out.tmp"
# The sweep's own complete cells (not whatever else lies in its folder).
runs=$("$lsnn_rl" sweep plan "$sweep" | awk '$(NF-1) == "complete" {print $NF}')
[ -n "$runs" ] || echo "eleven-arm.sh: no complete cell in $sweep" >&2
for run in $runs; do
    [[ -f "$run/final-eval.json" ]] || continue
    "$lsnn_rl" eval --run "$run" --trials 1000 --seed 1000003 --csv "$run/episodes.csv" > /dev/null
    python3 - "$run" >> "$out.tmp" <<'PY'
import csv, json, sys
from collections import defaultdict
run = sys.argv[1]
steps = defaultdict(list)
for row in csv.DictReader(open(f"{run}/episodes.csv")):
    steps[int(row["trial"])].append((int(row["step"]), int(row["action"]), float(row["reward"])))
first = then_target = 0
total = 0.0
for trial in steps.values():
    trial.sort()
    total += sum(r for _, _, r in trial)
    if trial[0][1] != 10:
        continue
    first += 1
    target = round(trial[0][2] / 0.1) - 1  # arm 10 pays 0.1 x (target + 1)
    if all(a == target for _, a, _ in trial[1:]):
        then_target += 1
cell = json.load(open(f"{run}/final-eval.json"))
params = dict(cell["params"])
n = len(steps)
csv.writer(sys.stdout, lineterminator="\n").writerow(
    [cell["env"], params["agent"], params["seed"], f"{total / n:.3f}", f"{first / n:.3f}", f"{then_target / n:.3f}"]
)
PY
done
mv "$out.tmp" "$out"
column -t -s, "$out" 2>/dev/null || cat "$out"
