#!/usr/bin/env python3
"""Every results cell's final evaluation, one row per trained seed.

    scripts/experiments/per-seed.py [RESULTS_DIR] > docs/results/results-per-seed.csv

Reads RESULTS_DIR/<experiment>/<cell>/final-eval.json (default: runs/results,
where scripts/experiments/run-sweep.sh puts the sweeps) and the cell's
config.toml, and prints CSV: experiment, env, agent, model, updates, seed, the
mean total reward with its 95% half-width over trials, the mean regret, and
for navigation tasks the goal and episode figures (empty where a task has
none). `lsnn-rl sweep collect` gives the means over seeds; this gives the
spread behind them and which seeds failed to learn.
"""

import csv
import json
import sys
import tomllib
from pathlib import Path

COLUMNS = [
    "experiment", "env", "agent", "model", "updates", "seed",
    "mean_total_reward", "ci95", "mean_regret",
    "goals_per_trial", "steps_to_first_goal", "steps_per_later_goal", "later_goal_path_ratio",
    "ep1_success", "ep1_steps", "ep2_success", "ep2_steps", "ep2_no_longer",
]


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
