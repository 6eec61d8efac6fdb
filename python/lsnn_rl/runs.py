"""Run directories of ``lsnn-rl train``, read as pandas DataFrames and NumPy arrays."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from .errors import RunDirError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EPISODE_COLUMNS",
    "EVAL_COLUMNS",
    "SPIKE_COLUMNS",
    "TRAIN_COLUMNS",
    "Run",
    "load_run",
    "read_episodes",
    "read_spikes",
]

#: Columns of ``train.csv``, one row per update (see the README's ``train``).
TRAIN_COLUMNS: tuple[str, ...] = (
    "update", "env_steps", "wall_s", "mean_trial_reward", "mean_regret", "policy_loss",
    "value_loss", "entropy", "grad_norm", "rate_lif", "rate_alif", "lr", "entropy_weight",
    "skipped", "rollbacks", "approx_kl", "clip_fraction", "rewired", "synapses", "mse",
)  # fmt: skip
#: Columns of ``eval.csv``, one row per periodic evaluation.
EVAL_COLUMNS: tuple[str, ...] = (
    "update", "env_steps", "trials", "mean_total_reward", "ci95", "mean_regret", "regret_ci95",
)  # fmt: skip
#: The fixed columns of an episode log (``eval --csv``, ``baselines
#: --episodes-csv``); every info key of the environment follows them.
EPISODE_COLUMNS: tuple[str, ...] = (
    "algo", "trial", "episode", "step", "action", "reward", "done", "value", "spikes",
)  # fmt: skip
#: Columns of a spike file (``eval --spikes``), one row per spike.
SPIKE_COLUMNS: tuple[str, ...] = ("trial", "step", "neuron", "population")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as err:  # pragma: no cover - the tests have pandas
        raise ImportError(
            "reading run directories needs pandas: pip install pandas "
            "(or pip install './python[pandas]')"
        ) from err
    return pandas


def _header(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(f.readline().strip().split(","))


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV written by lsnn-rl; an empty frame with ``columns`` if absent."""
    pd = _pandas()
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    try:
        return pd.read_csv(path)
    except Exception as err:
        raise RunDirError(f"cannot read {path}: {err}") from err


def read_episodes(path: str | Path) -> pd.DataFrame:
    """An episode log (``lsnn-rl eval --csv``, ``baselines --episodes-csv``):
    one row per step per trial, the columns of :data:`EPISODE_COLUMNS` then
    the environment's info keys (empty cells as NaN)."""
    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path} is not a file; pass an episode log written by lsnn-rl eval --csv")
    if _header(path)[: len(EPISODE_COLUMNS)] != EPISODE_COLUMNS:
        raise RunDirError(
            f"{path} is not an episode log: its columns do not start with {','.join(EPISODE_COLUMNS)}"
        )
    return _read_csv(path, EPISODE_COLUMNS)


def read_spikes(
    path: str | Path, trials: int | None = None, steps: int | None = None, neurons: int | None = None
) -> np.ndarray:
    """The spikes of ``lsnn-rl eval --spikes`` as a uint16 array shaped
    ``[trial, step, neuron]``: how often each neuron fired during each
    environment step (more than once with ``agent.k_steps`` > 1).

    ``trials``, ``steps`` and ``neurons`` default to one past the largest
    index in the file; :meth:`Run.spikes` fills them from the run's
    configuration instead (the trial length, the network's neurons).
    """
    pd = _pandas()
    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path} is not a file; pass a spike file written by lsnn-rl eval --spikes")
    if _header(path) != SPIKE_COLUMNS:
        raise RunDirError(f"{path} is not a spike file: its columns are not {','.join(SPIKE_COLUMNS)}")
    table = pd.read_csv(path, usecols=["trial", "step", "neuron"], dtype="int64")
    index = table.to_numpy()
    largest = index.max(axis=0) + 1 if len(index) else np.zeros(3, dtype=np.int64)
    shape = tuple(
        int(given) if given is not None else int(found)
        for given, found in zip((trials, steps, neurons), largest)
    )
    for name, size, found in zip(("trials", "steps", "neurons"), shape, largest):
        if found > size:
            raise RunDirError(f"{path} has {name} up to index {found - 1}, beyond {name}={size}")
    spikes = np.zeros(shape, dtype=np.uint16)
    np.add.at(spikes, (index[:, 0], index[:, 1], index[:, 2]), 1)
    return spikes


@dataclass
class Run:
    """A run directory of ``lsnn-rl train``.

    ``config`` is ``config.toml`` as a dict (the resolved configuration:
    ``env``, ``seed``, ``inputs``, ``agent``, ``train``, ...); ``train`` and
    ``eval`` are ``train.csv`` and ``eval.csv`` (columns
    :data:`TRAIN_COLUMNS`, :data:`EVAL_COLUMNS`; empty cells as NaN);
    ``episodes`` the episode logs (``eval --csv``) and ``spikes`` the spike
    files (``eval --spikes``) written into the folder, by file name.
    """

    path: Path
    config: dict[str, Any]
    train: pd.DataFrame
    eval: pd.DataFrame
    episodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    spike_files: dict[str, Path] = field(default_factory=dict)

    @property
    def env(self) -> str:
        """The environment spec the run trained on."""
        return str(self.config["env"])

    @property
    def neurons(self) -> int:
        """Spiking neurons of the network (LIF first, then ALIF); 0 for LSTM/GRU."""
        agent = self.config.get("agent", {})
        if agent.get("kind") in ("lstm", "gru"):
            return 0
        return int(agent.get("n_lif", 0)) + int(agent.get("n_alif", 0))

    @property
    def trial_steps(self) -> int:
        """Environment steps in one trial of the run's task."""
        return int(_core.TrialEnv(self.env, (False, False, False, False)).trial_steps)

    def spikes(self, name: str | Path, trials: int | None = None) -> np.ndarray:
        """A spike file of this run (a file name in :attr:`spike_files`, or
        any path) as ``[trial, step, neuron]``: every step of a full trial of
        the run's task, every neuron of its network."""
        path = self.spike_files.get(str(name), Path(name))
        return read_spikes(path, trials=trials, steps=self.trial_steps, neurons=self.neurons)


def load_run(path: str | Path) -> Run:
    """Reads the run directory ``path`` (see :class:`Run`)."""
    folder = Path(path)
    config_path = folder / "config.toml"
    if not config_path.is_file():
        raise RunDirError(
            f"{folder} holds no config.toml: is it a run directory of lsnn-rl train?"
        )
    config = json.loads(_core.toml_to_json(config_path.read_text(encoding="utf-8")))
    run = Run(
        path=folder,
        config=config,
        train=_read_csv(folder / "train.csv", TRAIN_COLUMNS),
        eval=_read_csv(folder / "eval.csv", EVAL_COLUMNS),
    )
    for csv_path in sorted(folder.glob("*.csv")):
        header = _header(csv_path)
        if header[: len(EPISODE_COLUMNS)] == EPISODE_COLUMNS:
            run.episodes[csv_path.name] = _read_csv(csv_path, EPISODE_COLUMNS)
        elif header == SPIKE_COLUMNS:
            run.spike_files[csv_path.name] = csv_path
    return run
