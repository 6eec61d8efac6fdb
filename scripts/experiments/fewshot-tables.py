#!/usr/bin/env python3
"""The table of docs/RESULTS.md section 8 from the curves fewshot.sh wrote.

    scripts/experiments/fewshot-tables.py [DIR]

DIR (default docs/results/fewshot) holds AGENT-SEED.csv, one error curve
per trained run (columns: examples, network, untrained_network,
family_mean, kernel_ridge). Prints a Markdown table: per agent the mean
squared error after k examples, mean over seeds (every seed's value in
brackets), and the baselines (identical in every file: the same functions);
writes DIR/summary.csv with one row per agent and seed.
"""

import csv
import os
import statistics
import sys
from collections import defaultdict

SHOWN = [0, 1, 2, 5, 10, 20, 29]


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else "docs/results/fewshot"
    curves = defaultdict(dict)  # agent -> seed -> rows
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext != ".csv" or "-" not in stem:
            continue
        agent, seed = stem.rsplit("-", 1)
        if not seed.isdigit():
            continue
        with open(os.path.join(folder, name)) as f:
            curves[agent][int(seed)] = list(csv.DictReader(f))
    if not curves:
        sys.exit(f"no AGENT-SEED.csv in {folder}")
    any_rows = next(iter(next(iter(curves.values())).values()))
    shown = [k for k in SHOWN if k < len(any_rows)]
    header = "| predictor | " + " | ".join(f"k={k}" for k in shown) + " |"
    print(header)
    print("|" + " --- |" * (len(shown) + 1))
    summary = []
    for agent, seeds in sorted(curves.items()):
        cells = []
        for k in shown:
            values = [float(rows[k]["network"]) for _, rows in sorted(seeds.items())]
            each = ", ".join(f"{v:.4f}" for v in values)
            cells.append(f"{statistics.mean(values):.4f} ({each})")
        print(f"| {agent} ({len(seeds)} seeds) | " + " | ".join(cells) + " |")
        for seed, rows in sorted(seeds.items()):
            summary.append(
                [agent, seed] + [rows[k]["network"] for k in shown]
                + [rows[k]["untrained_network"] for k in shown]
            )
    for column, label in [("family_mean", "family mean"), ("kernel_ridge", "kernel ridge (tuned)")]:
        print(f"| {label} | " + " | ".join(f"{float(any_rows[k][column]):.4f}" for k in shown) + " |")
    with open(os.path.join(folder, "summary.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            ["agent", "seed"] + [f"network_k{k}" for k in shown] + [f"untrained_k{k}" for k in shown]
        )
        out.writerows(summary)


if __name__ == "__main__":
    main()
