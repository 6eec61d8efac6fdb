"""lsnn-rl's task distributions as Gymnasium environments, one trial per episode."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec

from . import _core
from .spaces import MetaInputs, RewardCode, meta_input_flags, reward_code_tuple, to_gym_space

__all__ = ["GYM_NAMESPACE", "LsnnEnv", "gym_id", "make", "register_with_gymnasium"]

#: The namespace of lsnn-rl's ids in Gymnasium's registry.
GYM_NAMESPACE = "lsnn_rl"


def gym_id(env_id: str) -> str:
    """The Gymnasium id of an lsnn-rl environment: ``lsnn_rl/ID-v0``."""
    return f"{GYM_NAMESPACE}/{env_id}-v0"


def with_params(spec: str, params: dict[str, Any]) -> str:
    """``spec`` with ``key=value`` pairs added (``gym.make`` keyword arguments)."""
    if not params:
        return spec
    pairs = ",".join(f"{key}={value}" for key, value in params.items())
    return f"{spec},{pairs}" if ":" in spec else f"{spec}:{pairs}"


class LsnnEnv(gym.Env[np.ndarray, Any]):
    """A task distribution of lsnn-rl as a Gymnasium environment.

    Each Gymnasium episode is one meta-RL *trial*: ``reset`` draws a new task
    (new arm probabilities, a new goal or maze) and starts its trial, which
    runs all the task's episodes (two on ``maze-random``: the boundary shows
    as ``info["episode_end"] == 1`` and, with the meta-RL inputs, the done
    flag), and ends with ``terminated`` or ``truncated``.

    Seeding follows the command line: after ``reset(seed=S)`` the k-th trial
    (k = 0 for that reset, then 1, 2, ... for each ``reset()``) plays the task
    and reward noise that ``lsnn-rl baselines --seed S`` and ``lsnn-rl eval
    --seed S`` give trial k. ``reset(options={"trial": k})`` jumps to trial k
    of the current stream (of ``seed`` when given). The first reset without a
    seed draws one from ``self.np_random``.

    Observations are float32 vectors: the task's own (empty for bandits), then
    the meta-RL inputs asked for. ``info`` is a dict of floats: for bandits
    ``arm``, ``expected_reward``, ``best_expected_reward`` and ``regret``
    (their difference: exact, not sampled); for mazes the position, the goal
    (``goal_x``, ``goal_y``), ``distance``, ``goal_reached``,
    ``shortest_path`` and the oracle's ``best_action``; always ``episode``
    (the episode of the trial the step was taken in).
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        spec: str,
        meta_inputs: MetaInputs = False,
        reward_code: RewardCode = None,
        **params: Any,
    ) -> None:
        """The task distribution of ``spec`` (``ID[:key=value,...]``), its
        observations extended with ``meta_inputs`` and ``reward_code`` (see
        :func:`make`); ``params`` add ``key=value`` pairs to the spec (what
        ``gym.make``'s keyword arguments become)."""
        code = reward_code_tuple(reward_code)
        self._core = _core.TrialEnv(
            with_params(spec, params), meta_input_flags(meta_inputs), code
        )
        self.observation_space = to_gym_space(self._core.observation_space)
        self.action_space = to_gym_space(self._core.action_space)
        canonical = str(self._core.spec)
        self.spec = EnvSpec(
            id=gym_id(canonical.split(":")[0]),
            entry_point="lsnn_rl.env:LsnnEnv",
            kwargs={"spec": canonical, "meta_inputs": meta_inputs, "reward_code": code},
            nondeterministic=False,
        )

    @property
    def task_spec(self) -> str:
        """The canonical spec: every parameter spelled out."""
        return str(self._core.spec)

    @property
    def trial_steps(self) -> int:
        """Steps in a full trial (episodes x the episode bound)."""
        return int(self._core.trial_steps)

    @property
    def episodes_per_trial(self) -> int:
        """Episodes in one trial."""
        return int(self._core.episodes_per_trial)

    @property
    def stream_seed(self) -> int | None:
        """The seed of the stream of trials: the last one ``reset`` got or drew."""
        seed = self._core.seed
        return None if seed is None else int(seed)

    @property
    def trial_index(self) -> int | None:
        """Index of the trial in play within its seed's stream."""
        index = self._core.trial_index
        return None if index is None else int(index)

    @property
    def policy_seed(self) -> int | None:
        """The seed the command line gives a policy's own random stream on
        the trial in play (see :func:`lsnn_rl.policy_seed`)."""
        seed = self._core.policy_seed
        return None if seed is None else int(seed)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts a trial; returns its first observation and the reset info.

        ``options`` may hold ``"trial"``: the index of the trial to play.
        """
        super().reset(seed=seed)
        trial = None
        if options:
            unknown = sorted(set(options) - {"trial"})
            if unknown:
                raise ValueError(
                    f"unknown reset option(s) {', '.join(unknown)}; the only option is 'trial'"
                )
            trial = int(options["trial"])
            if trial < 0:
                raise ValueError(f"options['trial'] must be >= 0, got {trial}")
        if seed is None and self._core.seed is None:
            seed = int(self.np_random.integers(0, 2**63))
        obs, info = self._core.reset(seed, trial)
        return obs, info

    def step(
        self, action: Any
    ) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Takes one action: an ``int`` (or NumPy integer) for a discrete
        action space, a float vector for a box. Returns the observation,
        reward, ``terminated``, ``truncated`` and ``info``. A bad action
        raises :class:`~lsnn_rl.errors.ActionError`, a step before ``reset``
        or after the trial's end :class:`~lsnn_rl.errors.StateError`."""
        obs, reward, terminated, truncated, info = self._core.step(action)
        return obs, reward, terminated, truncated, info


def make(spec: str, meta_inputs: MetaInputs = False, reward_code: RewardCode = None) -> LsnnEnv:
    """The environment ``spec`` names, e.g. ``"bandit-bernoulli:arms=5,pulls=100"``
    (see :func:`lsnn_rl.envs` for the ids and parameters).

    ``meta_inputs`` is the trial-level wrapper: ``True`` appends all four
    meta-RL inputs (previous action, previous reward, done flag, step index)
    to every observation, exactly as the command line's agents see them;
    a list of names from :data:`lsnn_rl.META_INPUTS` appends those.
    ``reward_code=(units, low, high)`` appends the previous reward also as a
    population code, last: ``units`` Gaussian tuning curves with centres
    spread evenly from ``low`` to ``high``, each half the spacing wide (the
    command line's ``[inputs] reward_units``; zeros before the first step).
    A bad spec raises :class:`~lsnn_rl.errors.SpecError`, a bad reward code
    ``ValueError``.
    """
    return LsnnEnv(spec, meta_inputs, reward_code)


def register_with_gymnasium() -> None:
    """Registers every lsnn-rl environment with Gymnasium as ``lsnn_rl/ID-v0``,
    so that ``gymnasium.make("lsnn_rl/bandit-bernoulli-v0", arms=10)`` works
    (keyword arguments other than ``meta_inputs`` and ``reward_code`` become
    spec parameters),
    and ``gymnasium.make_vec(..., num_envs=64)`` gives the Rust vector
    environment (:class:`lsnn_rl.LsnnVectorEnv`).
    ``import lsnn_rl`` calls it."""
    for entry in _core.envs():
        env_id = gym_id(entry["id"])
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point="lsnn_rl.env:LsnnEnv",
                vector_entry_point="lsnn_rl.vector:LsnnVectorEnv",
                kwargs={"spec": entry["id"]},
            )
