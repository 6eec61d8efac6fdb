"""lsnn-rl's meta-RL tasks, classical baselines and run directories from Python.

- :func:`make` returns a ``gymnasium.Env`` for any registered environment
  spec (``"bandit-bernoulli:arms=5,pulls=100"``), one meta-RL trial per
  episode, optionally with the meta-RL inputs the command line's agents see;
- :func:`make_vec` steps ``B`` trials in Rust in one call
  (``gymnasium.vector.VectorEnv``, NEXT_STEP autoreset);
- :func:`envs` lists the environments and their parameters;
- :func:`baselines` scores the classical baselines as ``lsnn-rl baselines``
  does; :class:`BanditPolicy` plays one of them step by step;
- :func:`load_run` reads a run directory of ``lsnn-rl train``.

Seeds mean what they mean on the command line: trial k after
``reset(seed=S)`` is trial k of ``lsnn-rl baselines --seed S``.
"""

from __future__ import annotations

from typing import Any

from . import _core
from .baselines import BanditPolicy, BaselineRows, baselines, policy_seed
from .env import LsnnEnv, gym_id, make, register_with_gymnasium
from .errors import (
    ActionError,
    AlgorithmError,
    LsnnRlError,
    PolicyError,
    RunDirError,
    SpecError,
    StateError,
)
from .runs import Run, load_run, read_episodes, read_spikes
from .spaces import META_INPUTS
from .vector import LsnnVectorEnv, make_vec

__version__: str = _core.VERSION

register_with_gymnasium()

__all__ = [
    "META_INPUTS",
    "ActionError",
    "AlgorithmError",
    "BanditPolicy",
    "BaselineRows",
    "LsnnEnv",
    "LsnnRlError",
    "LsnnVectorEnv",
    "PolicyError",
    "Run",
    "RunDirError",
    "SpecError",
    "StateError",
    "baselines",
    "canonical_spec",
    "envs",
    "gym_id",
    "load_run",
    "make",
    "make_vec",
    "policy_seed",
    "read_episodes",
    "read_spikes",
]


def envs() -> list[dict[str, Any]]:
    """The registered environments, sorted by id, as ``lsnn-rl envs --json``
    lists them: ``id``, ``description``, ``observation_space`` and
    ``action_space`` (as text, with the default parameters),
    ``episodes_per_trial``, and ``params``: each a dict of ``name``,
    ``default`` (text) and ``help``."""
    return list(_core.envs())


def canonical_spec(spec: str) -> str:
    """``spec`` with every parameter spelled out, in the environment's order."""
    return str(_core.canonical_spec(spec))
