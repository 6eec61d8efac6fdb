#!/usr/bin/env python3
"""Markdown tables of scripts/experiments/where-memory-lives.sh's CSVs, as
docs/RESULTS.md shows them ("Where the memory lives").

    scripts/experiments/where-memory-lives-tables.py [OUT_DIR]
"""
import csv
import glob
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "docs/results/where-memory-lives"


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


print("### Decoding, per phase (score ± 95% over folds; chance in brackets)\n")
for path in sorted(glob.glob(f"{out}/*/decode-*.csv")):
    run = os.path.basename(os.path.dirname(path))
    table = [r for r in rows(path) if r["window_kind"] == "phase"]
    if not table:
        continue
    phases = list(dict.fromkeys(r["window"] for r in table))
    metric = table[0]["metric"]
    print(f"{run}, {table[0]['target']} ({metric}):\n")
    print("| component | " + " | ".join(phases) + " |")
    print("| --- | " + " | ".join("---" for _ in phases) + " |")
    for comp in dict.fromkeys(r["component"] for r in table):
        cells = []
        for p in phases:
            r = next(r for r in table if r["component"] == comp and r["window"] == p)
            cells.append(f"{float(r['score']):.3f} ± {float(r['ci95']):.3f} ({float(r['chance']):.3f})")
        print(f"| {comp} | " + " | ".join(cells) + " |")
    print()

print("### Lesions: paired difference from the intact network (± 95%)\n")
path = f"{out}/lesions.csv"
if os.path.exists(path):
    table = rows(path)
    for kind in ("dep-lsnn", "dep-lstm", "maze-lsnn", "maze-lstm", "arena-lsnn", "arena-lstm"):
        mine = [r for r in table if r["run"].startswith(kind + "-")]
        if not mine:
            continue
        goals = mine[0]["goals_per_trial"] != ""
        runs = list(dict.fromkeys(r["run"] for r in mine))
        runs.sort(key=lambda r: int(r.rsplit("-", 1)[1]))
        lesions = list(dict.fromkeys(r["lesion"] for r in mine))
        what = "goals per trial" if goals else "total reward"
        print(f"{kind} ({what}; intact level in the first column):\n")
        print("| run | " + " | ".join(lesions) + " |")
        print("| --- | " + " | ".join("---" for _ in lesions) + " |")
        for run in runs:
            cells = []
            for l in lesions:
                r = next(r for r in mine if r["run"] == run and r["lesion"] == l)
                if l == "none":
                    v = r["goals_per_trial"] if goals else r["mean_total_reward"]
                    cells.append(f"{float(v):.2f}")
                elif goals:
                    cells.append(f"{float(r['diff_goals']):+.2f} ± {float(r['diff_goals_ci95']):.2f}")
                else:
                    cells.append(f"{float(r['diff_total_reward']):+.2f} ± {float(r['diff_ci95']):.2f}")
            print(f"| {run} | " + " | ".join(cells) + " |")
        print()
