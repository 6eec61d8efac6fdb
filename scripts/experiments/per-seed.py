#!/usr/bin/env python3
"""Every results cell's final evaluation, one row per trained seed.

    scripts/experiments/per-seed.py [RESULTS_DIR] > docs/results/results-per-seed.csv

Reads RESULTS_DIR/<experiment>/<cell>/final-eval.json (default: runs/results,
where scripts/experiments/run-sweep.sh puts the sweeps) and the cell's
config.toml, and prints CSV: experiment, env, agent, model, updates, seed, the
mean total reward with its 95% half-width over trials, the mean regret, and
for navigation tasks the goal and episode figures (empty where a task has
none). `lsnn-rl sweep collect` gives the means over seeds; this gives the
spread behind them and which seeds failed to learn: `random` is the random
policy's mean total reward on the same 1000 tasks (`lsnn-rl baselines
--algos random`, run once per environment with the binary in LSNN_RL_BIN,
default target/release/lsnn-rl), and `learned` is 1 when the seed's mean
exceeds random's by more than the two 95% half-widths added.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from functools import cache
from pathlib import Path

COLUMNS = [
    "experiment", "env", "agent", "model", "updates", "seed",
    "mean_total_reward", "ci95", "mean_regret",
    "goals_per_trial", "steps_to_first_goal", "steps_per_later_goal", "later_goal_path_ratio",
    "ep1_success", "ep1_steps", "ep2_success", "ep2_steps", "ep2_no_longer",
    "random", "learned",
]
ROOT = Path(__file__).resolve().parents[2]


@cache
def random_policy(env: str, trials: int, seed: int) -> tuple:
    """Mean total reward of the random policy on the evaluation's tasks, and its 95% half-width."""
    binary = os.environ.get("LSNN_RL_BIN", str(ROOT / "target/release/lsnn-rl"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "random.csv"
        subprocess.run([binary, "baselines", "--env", env, "--algos", "random", "--trials",
                        str(trials), "--seed", str(seed), "--csv", str(out), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        row = next(csv.DictReader(out.open()))
    ci = row.get("ci95") or row.get("mean_total_reward_ci95") or "0"
    return float(row["mean_total_reward"]), float(ci)


def row(experiment: str, cell: Path) -> dict:
    result = json.loads((cell / "final-eval.json").read_text())
    config = tomllib.loads((cell / "config.toml").read_text())
    agent = config.get("agent", {})
    spiking = agent.get("kind") in ("lsnn", "lif")
    out = {
        "experiment": experiment,
        "env": result.get("env") or config["env"],
        "agent": agent.get("kind", ""),
        "model": agent.get("model", "") if spiking else "",
        "updates": result["updates"],
        "seed": config["seed"],
        "mean_total_reward": result["mean_total_reward"],
        "ci95": result["ci95"],
        "mean_regret": result.get("mean_regret"),
    }
    goals = result.get("goals") or {}
    for key in ("goals_per_trial", "steps_to_first_goal", "steps_per_later_goal",
                "later_goal_path_ratio"):
        out[key] = goals.get(key)
    episodes = result.get("episodes") or {}
    for k, (success, steps) in enumerate(zip(episodes.get("success", []),
                                             episodes.get("steps", [])), start=1):
        if k <= 2:
            out[f"ep{k}_success"], out[f"ep{k}_steps"] = success, steps
    out["ep2_no_longer"] = episodes.get("second_no_longer")
    random_mean, random_ci = random_policy(out["env"], result["trials"], result["seed"])
    out["random"] = random_mean
    out["learned"] = int(result["mean_total_reward"] > random_mean + random_ci + result["ci95"])
    return out


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/results")
    writer = csv.DictWriter(sys.stdout, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for experiment in sorted(p for p in root.iterdir() if p.is_dir()):
        for cell in sorted(p for p in experiment.iterdir() if (p / "final-eval.json").exists()):
            writer.writerow({k: ("" if v is None else v)
                             for k, v in row(experiment.name, cell).items()})


if __name__ == "__main__":
    main()
