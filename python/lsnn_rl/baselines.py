"""The classical baselines: their table, and the bandit policies step by step."""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from . import _core
from .env import LsnnEnv
from .errors import PolicyError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BanditPolicy", "BaselineRows", "baselines", "policy_seed"]

#: Integer columns of the baselines' table; ``env`` and ``algo`` are text,
#: every other column a float (``None`` where undefined).
_INT_COLUMNS = frozenset({"trials", "seed", "later_goal_trials"})
_TEXT_COLUMNS = frozenset({"env", "algo"})


class BaselineRows(list):  # type: ignore[type-arg]
    """The baselines' table as a list of dicts (one per environment and
    algorithm), with ``text``: the table ``lsnn-rl baselines`` prints."""

    text: str = ""


def _typed(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row with its numbers as numbers (empty cells as ``None``)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in _TEXT_COLUMNS:
            out[key] = value
        elif value == "":
            out[key] = None
        elif key in _INT_COLUMNS:
            out[key] = int(value)
        else:
            out[key] = float(value)
    return out


def parse_table(text: str) -> BaselineRows:
    """The rows of a ``lsnn-rl baselines --csv`` file's text, typed."""
    return BaselineRows(_typed(row) for row in csv.DictReader(io.StringIO(text)))


def baselines(
    spec: str | Sequence[str],
    trials: int = 1000,
    seed: int = 0,
    algos: str | Sequence[str] | None = None,
    threads: int | None = None,
    as_frame: bool | None = None,
) -> Union[BaselineRows, "pd.DataFrame"]:
    """Scores the classical baselines exactly as ``lsnn-rl baselines`` does.

    ``trials`` trials of each algorithm on ``spec`` (one spec or a list),
    trial i of every algorithm on the same task, seeded from ``seed``.
    ``algos``: algorithm specs such as ``["thompson", "eps-greedy:eps=0.05"]``
    (or one comma-separated string, as ``--algos`` takes them); by default
    every algorithm that can play the task (those that cannot are skipped
    with a warning). ``threads``: worker threads (default every core).

    Returns the table of ``lsnn-rl baselines --csv`` with the same numbers:
    a pandas DataFrame when pandas is installed (unless ``as_frame=False``),
    else a list of dicts. Its columns, for bandits: ``env, algo, trials,
    mean_total_reward, ci95, mean_regret, regret_ci95, seed``; for navigation
    tasks the goal figures (see ``docs/python.md``). The printed table is
    ``rows.text`` (``frame.attrs["text"]``).
    """
    specs = [spec] if isinstance(spec, str) else list(spec)
    if isinstance(algos, str):
        algos = [a for a in algos.split(",") if a.strip()]
    algo_list = None if algos is None else list(algos)
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    out = _core.baselines(specs, trials, seed, algo_list, threads)
    for note in out["skipped"]:
        warnings.warn(f"note: {note}", stacklevel=2)
    rows = parse_table(out["csv"])
    rows.text = out["table"]
    if as_frame is False:
        return rows
    try:
        import pandas as pd
    except ImportError:
        if as_frame:
            raise
        return rows
    frame = pd.DataFrame(list(rows))
    frame.attrs["text"] = rows.text
    return frame


def policy_seed(seed: int, trial: int) -> int:
    """The seed of a policy's own random stream on trial ``trial`` of an
    evaluation seeded ``seed``, as ``lsnn-rl baselines`` and ``eval`` use it."""
    return int(_core.policy_seed(seed, trial))


def _gittins_cache() -> str | None:
    """Where the command line caches the Gittins tables (shared)."""
    folder = _core.cache_dir()
    return None if folder is None else os.path.join(folder, "gittins")


class BanditPolicy:
    """A classical bandit algorithm, step by step.

    ``algo`` is ``random``, ``greedy``, ``eps-greedy``, ``ucb1``,
    ``thompson`` or ``gittins``, with parameters as ``lsnn-rl baselines
    --algos`` takes them (``"eps-greedy:eps=0.05"``). Use it with a history:

    >>> policy = BanditPolicy("thompson", arms=2, pulls=3, seed=7)
    >>> history = []
    >>> for _ in range(3):
    ...     arm = policy.act(history)
    ...     history.append((arm, 1.0 if arm == 1 else 0.0))
    >>> [arm for arm, _ in history][-1]
    1

    ``act(history)`` takes the trial's (arm, reward) pairs so far and returns
    the next arm; an empty history starts a new trial. Or drive it
    explicitly: ``start_trial()``, then ``act()`` and ``observe(arm, reward)``
    for each pull.

    Trial k (counting from 0) draws from the random stream ``lsnn-rl
    baselines --seed seed`` gives the algorithm on trial k, so playing the
    trials of ``env.reset(seed=seed)`` in order pulls the same arms as the
    command line.
    """

    def __init__(self, algo: str, arms: int, pulls: int, seed: int = 0) -> None:
        """``algo`` on a bandit of ``arms`` arms and trials of ``pulls`` pulls."""
        self._core = _core.BanditPolicy(algo, arms, pulls, seed, _gittins_cache())
        self._seen = 0
        self._in_trial = False

    @classmethod
    def for_env(cls, algo: str, env: LsnnEnv | str, seed: int = 0) -> BanditPolicy:
        """``algo`` on the arms and trial length of ``env`` (an environment
        from :func:`lsnn_rl.make`, or a spec)."""
        if isinstance(env, str):
            env = LsnnEnv(env)
        n = getattr(env.action_space, "n", None)
        if n is None:
            raise PolicyError(
                f"{algo} plays bandit arms, a Discrete(k) action space; "
                f"{env.task_spec} has {env.action_space}"
            )
        return cls(algo, int(n), env.trial_steps, seed)

    @property
    def name(self) -> str:
        """The algorithm spec."""
        return str(self._core.name)

    @property
    def trials_started(self) -> int:
        """Trials started so far (the next one's index)."""
        return int(self._core.trials_started)

    def start_trial(self, seed: int | None = None, trial: int | None = None) -> None:
        """Forgets the trial in play and starts the next one: trial ``trial``
        (default: the one after the last) of the policy's seed; a new
        ``seed`` replaces it and starts at trial 0."""
        self._core.start_trial(seed, trial)
        self._seen = 0
        self._in_trial = True

    def observe(self, arm: int, reward: float) -> None:
        """Learns that pulling ``arm`` paid ``reward``."""
        self._core.observe(int(arm), float(reward))
        self._seen += 1

    def act(self, history: Sequence[tuple[int, float]] | None = None) -> int:
        """The next arm to pull.

        With ``history`` (the trial's (arm, reward) pairs so far, growing by
        one pull between calls), the policy observes the pairs it has not
        seen; an empty history starts a new trial. Without, it acts on what
        :meth:`observe` told it.
        """
        if history is not None:
            n = len(history)
            if n == 0 or not self._in_trial:
                if n:
                    raise PolicyError(
                        f"{self.name}: the first history of a trial must be empty; "
                        f"got {n} pulls"
                    )
                self.start_trial()
            elif n < self._seen:
                raise PolicyError(
                    f"{self.name}: the history shrank from {self._seen} to {n} pulls; pass "
                    "the whole history of the trial in play, or an empty one to start the next"
                )
            for arm, reward in history[self._seen :]:
                self.observe(arm, reward)
        return int(self._core.act())

