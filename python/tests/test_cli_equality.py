"""Python and the command line agree: the same seed gives the same
trajectories as ``lsnn-rl baselines --episodes-csv``, the baselines table is
the CLI's, and errors carry the CLI's messages."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import lsnn_rl
from lsnn_rl.baselines import parse_table

from conftest import run_cli, run_ok

SEED = 11
TRIALS = 3
FIXED = {"algo", "trial", "episode", "step", "action", "reward", "done", "value", "spikes"}

CASES = [
    ("bandit-bernoulli:arms=5,pulls=30", ["random", "greedy", "eps-greedy:eps=0.2", "ucb1", "thompson", "gittins"]),
    ("bandit-dependent:difficulty=uniform,pulls=25", ["thompson", "gittins", "greedy:prior=beta"]),
    ("bandit-gaussian:arms=3,pulls=12", ["greedy", "eps-greedy", "random"]),
    ("bandit-eleven-arm", ["greedy", "random"]),
    ("bandit-restless:volatility=high,pulls=20", ["thompson"]),
    ("maze-water-grid:size=5,steps=40", ["random"]),
    ("maze-random:size=4,horizon=20", ["random"]),
    ("arena-water:steps=30", ["random"]),
]


def python_trajectories(spec: str, algo: str) -> list[dict[str, object]]:
    """Every step of ``TRIALS`` trials of ``algo`` on ``spec``, played in
    Python: the environment seeded once, the policy's trials in order."""
    env = lsnn_rl.make(spec)
    policy = lsnn_rl.BanditPolicy.for_env(algo, env, seed=SEED)
    rows: list[dict[str, object]] = []
    for trial in range(TRIALS):
        env.reset(seed=SEED if trial == 0 else None)
        history: list[tuple[int, float]] = []
        for step in range(env.trial_steps):
            action = policy.act(history)
            _, reward, terminated, truncated, info = env.step(action)
            history.append((action, float(reward)))
            rows.append(
                {"trial": trial, "step": step, "action": action, "reward": reward,
                 "done": terminated or truncated, "info": info}
            )  # fmt: skip
            if terminated or truncated:
                break
    return rows


@pytest.mark.parametrize(("spec", "algos"), CASES, ids=[c[0].split(":")[0] for c in CASES])
def test_trajectories_equal_the_cli_episode_log(cli: Path, tmp_path: Path, spec: str, algos: list[str]) -> None:
    log = tmp_path / "episodes.csv"
    run_ok(cli, "baselines", "--env", spec, "--trials", str(TRIALS), "--seed", str(SEED),
           "--algos", ",".join(algos), "--episodes-csv", log, "--quiet")  # fmt: skip
    with log.open() as f:
        cli_rows = list(csv.DictReader(f))
    info_keys = [k for k in cli_rows[0] if k not in FIXED]
    for algo in algos:
        expected = [r for r in cli_rows if r["algo"] == algo]
        got = python_trajectories(spec, algo)
        assert len(got) == len(expected), algo
        for mine, theirs in zip(got, expected):
            where = f"{algo} trial {mine['trial']} step {mine['step']}"
            assert (mine["trial"], mine["step"]) == (int(theirs["trial"]), int(theirs["step"])), where
            assert mine["action"] == int(theirs["action"]), where
            assert mine["reward"] == float(theirs["reward"]), where
            assert mine["done"] == (theirs["done"] == "1"), where
            info = mine["info"]
            assert isinstance(info, dict)
            assert info["episode"] == float(theirs["episode"]), where
            for key in info_keys:
                cell = theirs[key]
                assert (info.get(key) if cell == "" else info[key]) == (None if cell == "" else float(cell)), (where, key)


@pytest.mark.parametrize(
    ("spec", "trials", "algos"),
    [
        ("bandit-bernoulli:arms=3,pulls=20", 60, None),
        ("bandit-gaussian:arms=2,pulls=15", 40, None),  # thompson and gittins skipped
        ("maze-water-grid:size=5,steps=30", 20, None),
        ("maze-random:size=4,horizon=25", 20, "random,explorer"),
    ],
)
def test_the_baselines_table_is_the_clis(
    cli: Path, tmp_path: Path, spec: str, trials: int, algos: str | None
) -> None:
    table = tmp_path / "table.csv"
    args = ["baselines", "--env", spec, "--trials", str(trials), "--seed", "4", "--csv", str(table), "--quiet"]
    if algos:
        args += ["--algos", algos]
    result = run_ok(cli, *args)
    cli_notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = lsnn_rl.baselines(spec, trials=trials, seed=4, algos=algos, as_frame=False)
        frame = lsnn_rl.baselines(spec, trials=trials, seed=4, algos=algos, threads=1, as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert rows == parse_table(table.read_text())
    assert rows.text == result.stdout
    assert len(rows) >= 2
    pd.testing.assert_frame_equal(frame, pd.read_csv(table))
    assert frame.attrs["text"] == result.stdout
    # Algorithms that cannot play the task are skipped with the CLI's notes.
    assert [str(w.message) for w in caught] == cli_notes * 2
    assert bool(cli_notes) == ("gaussian" in spec)


def test_the_registry_listing_is_the_clis(cli: Path) -> None:
    assert lsnn_rl.envs() == json.loads(run_ok(cli, "envs", "--json").stdout)


def test_errors_carry_the_clis_messages(cli: Path) -> None:
    for spec in ("bandit-bernoulli:arms=0", "bandit-x", "bandit-bernoulli:arm=2", "maze-random:size=x"):
        with pytest.raises(lsnn_rl.SpecError) as err:
            lsnn_rl.make(spec)
        result = run_cli(cli, "baselines", "--env", spec, "--trials", "1")
        assert result.returncode != 0
        assert str(err.value) in result.stderr, (str(err.value), result.stderr)
        with pytest.raises(lsnn_rl.SpecError, match=str(err.value).split(";")[0][:30]):
            lsnn_rl.baselines(spec, trials=1)
    with pytest.raises(lsnn_rl.AlgorithmError) as algo:
        lsnn_rl.baselines("bandit-bernoulli", trials=1, algos=["eps-greedy:eps=2"])
    result = run_cli(cli, "baselines", "--env", "bandit-bernoulli", "--trials", "1", "--algos", "eps-greedy:eps=2")
    assert str(algo.value) == "eps-greedy: eps=2 is invalid: a probability in [0, 1]"
    assert str(algo.value) in result.stderr
    with pytest.raises(lsnn_rl.PolicyError) as policy:
        lsnn_rl.baselines("bandit-gaussian", trials=2, algos=["thompson"])
    result = run_cli(cli, "baselines", "--env", "bandit-gaussian", "--trials", "2", "--algos", "thompson")
    assert "thompson assumes Bernoulli rewards (0 or 1)" in str(policy.value)
    assert str(policy.value) in result.stderr
