"""lsnn_rl.load_run on a real run directory of the binary: its
configuration, CSVs, episode logs and spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_ok

import lsnn_rl
from lsnn_rl.runs import EPISODE_COLUMNS, EVAL_COLUMNS, TRAIN_COLUMNS


@pytest.fixture(scope="module")
def run_dir(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny LSNN run on a two-arm bandit, evaluated with its episode log
    and spikes written into the run directory."""
    out = tmp_path_factory.mktemp("runs") / "tiny"
    run_ok(cli, "train", "--env", "bandit-bernoulli:arms=2,pulls=10", "--updates", "3", "--out", out,
           "--set", "train.batch=4", "--set", "train.eval_every=1", "--set", "train.eval_trials=5",
           "--set", "agent.n_lif=6", "--set", "agent.n_alif=4", "--quiet")  # fmt: skip
    run_ok(cli, "eval", "--run", out, "--trials", "3", "--csv", out / "episodes.csv",
           "--spikes", out / "spikes.csv", "--quiet")  # fmt: skip
    return out


def test_configuration_and_curves(run_dir: Path) -> None:
    run = lsnn_rl.load_run(run_dir)
    assert run.env == "bandit-bernoulli:arms=2,pulls=10"
    assert run.config["agent"]["kind"] == "lsnn" and run.neurons == 10
    assert run.config["inputs"] == {"prev_action": True, "prev_reward": True, "done_flag": True, "step_index": True,
                                    "reward_units": 0, "reward_low": 0.0, "reward_high": 1.0}  # fmt: skip
    assert tuple(run.train.columns) == TRAIN_COLUMNS
    assert list(run.train["update"]) == [1, 2, 3]
    assert run.train["approx_kl"].isna().all(), "A2C leaves PPO's columns empty"
    assert tuple(run.eval.columns) == EVAL_COLUMNS
    assert (run.eval["trials"] == 5).all()


def test_episode_logs_and_spikes(run_dir: Path) -> None:
    run = lsnn_rl.load_run(run_dir)
    episodes = run.episodes["episodes.csv"]
    assert tuple(episodes.columns[: len(EPISODE_COLUMNS)]) == EPISODE_COLUMNS
    assert {"arm", "expected_reward", "best_expected_reward"} <= set(episodes.columns)
    assert len(episodes) == 3 * 10
    pd.testing.assert_frame_equal(lsnn_rl.read_episodes(run_dir / "episodes.csv"), episodes)

    spikes = run.spikes("spikes.csv")
    assert spikes.shape == (3, 10, 10) and spikes.dtype == np.uint16
    # Each step's spikes over the network are the log's `spikes` column.
    per_step = spikes.sum(axis=2)
    for row in episodes.itertuples():
        assert per_step[row.trial, row.step] == row.spikes
    assert spikes.sum() > 0
    # Read without the run, the shape comes from the largest indices.
    bare = lsnn_rl.read_spikes(run_dir / "spikes.csv")
    assert bare.shape[0] <= 3 and bare.shape[2] <= 10
    np.testing.assert_array_equal(bare, spikes[: bare.shape[0], : bare.shape[1], : bare.shape[2]])


def test_errors(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(lsnn_rl.RunDirError, match="holds no config.toml: is it a run directory"):
        lsnn_rl.load_run(tmp_path)
    with pytest.raises(lsnn_rl.RunDirError, match="is not a spike file"):
        lsnn_rl.read_spikes(run_dir / "episodes.csv")
    with pytest.raises(lsnn_rl.RunDirError, match="is not an episode log"):
        lsnn_rl.read_episodes(run_dir / "train.csv")
    with pytest.raises(lsnn_rl.RunDirError, match="beyond trials=1"):
        lsnn_rl.read_spikes(run_dir / "spikes.csv", trials=1)
