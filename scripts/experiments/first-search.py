#!/usr/bin/env python3
"""How a navigator searches for the goal on a grid maze, from episode logs.

    scripts/experiments/first-search.py EPISODES.csv [EPISODES.csv ...]

Each file is an episode log of `lsnn-rl eval --run RUN --csv FILE` or
`lsnn-rl baselines --env maze-water-grid --episodes-csv FILE` (columns algo,
trial, step, x, y, bump, goal_reached, ...). Per algorithm (a log of one
network is labelled by its file's name), over the trials: the steps of the
first search (up to and including the first goal step; a trial without a
goal counts all its steps), the share of the first search's moves that end
on a cell already reached in that search, its start included (a bump into a
wall, which leaves the agent where it was, counts as such a move), the share
of bumps, the distinct cells the first search reached (start and goal
included), and the share of trials that never reach the goal. Prints a
Markdown table.
"""

import csv
import os
import sys
from collections import defaultdict


# The grid mazes' moves: 0 north, 1 east, 2 south, 3 west (y grows southwards).
MOVES = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}


def cell_after(row):
    """The cell a step ended on: the goal on a goal step (its x, y are the
    cell the agent was put back on), else the step's x, y."""
    if row["goal_reached"] == "1":
        return (int(row["goal_x"]), int(row["goal_y"]))
    return (int(row["x"]), int(row["y"]))


def start_cell(first):
    """The trial's start, worked back from its first step's move (a bump
    leaves the agent where it started)."""
    x, y = cell_after(first)
    if first["bump"] == "1":
        return (x, y)
    dx, dy = MOVES[int(first["action"])]
    return (x - dx, y - dy)


def first_searches(path):
    """Yields (algo, steps, revisits, bumps, cells, found) per trial."""
    trials = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            trials[(row["algo"], row["trial"])].append(row)
    # An eval log holds one network: label it by its file instead.
    if len({algo for algo, _ in trials}) == 1:
        name = os.path.splitext(os.path.basename(path))[0]
        trials = {(name, trial): rows for (_, trial), rows in trials.items()}
    for (algo, _), rows in trials.items():
        rows.sort(key=lambda r: int(r["step"]))
        seen, revisits, bumps, found = {start_cell(rows[0])}, 0, 0, False
        for step, row in enumerate(rows, start=1):
            cell = cell_after(row)
            revisits += cell in seen
            bumps += row["bump"] == "1"
            seen.add(cell)
            if row["goal_reached"] == "1":
                found = True
                break
        yield algo, step, revisits, bumps, len(seen), found


def main(paths):
    totals = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # trials, steps, revisits, bumps, cells, missed
    for path in paths:
        for algo, steps, revisits, bumps, cells, found in first_searches(path):
            t = totals[algo]
            t[0] += 1
            t[1] += steps
            t[2] += revisits
            t[3] += bumps
            t[4] += cells
            t[5] += not found
    print("| algorithm | trials | first-search steps | moves onto a cell already reached | bumps | cells reached | trials without a goal |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for algo, (n, steps, revisits, bumps, cells, missed) in totals.items():
        print(
            f"| {algo} | {n} | {steps / n:.1f} | {100 * revisits / steps:.1f}% | "
            f"{100 * bumps / steps:.1f}% | {cells / n:.1f} | {100 * missed / n:.1f}% |"
        )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
