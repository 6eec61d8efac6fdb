"""B trials of one task distribution stepped in Rust: a Gymnasium vector environment."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _core
from .env import with_params
from .errors import ActionError
from .spaces import MetaInputs, RewardCode, meta_input_flags, reward_code_tuple, to_gym_space

__all__ = ["LsnnVectorEnv", "make_vec"]


class LsnnVectorEnv(VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """``num_envs`` trials of one task distribution, each with its own task,
    stepped together in Rust: one call steps every trial and returns NumPy
    arrays, with no Python object per trial.

    Conventions are Gymnasium's (``gymnasium.vector.VectorEnv``) with the
    NEXT_STEP autoreset mode: the step that ends a trial returns its last
    observation with ``terminated`` or ``truncated`` set; the next ``step``
    ignores that slot's action and returns the first observation of a new
    trial (reward 0, no flags, ``info["autoreset"]`` 1 there).

    Returns from ``step``: observations ``[num_envs, obs]`` float32, rewards
    float64, ``terminated`` and ``truncated`` bool, and ``infos``: for each
    key any trial reports a float64 array (0 where a trial lacks it) and a
    bool mask ``infos["_" + key]``, as Gymnasium's vector infos.

    Seeding: after ``reset(seed=S)`` the k-th trial started (the slots in
    order at the reset, then in slot order as trials end) plays the task that
    ``lsnn-rl baselines --seed S`` gives trial k. ``reset()`` without a seed
    starts a new stream whose seed comes from ``self.np_random``.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        spec: str,
        num_envs: int,
        meta_inputs: MetaInputs = False,
        infos: bool = True,
        reward_code: RewardCode = None,
        **params: Any,
    ) -> None:
        """``num_envs`` trials of ``spec`` (see :func:`make_vec`); ``params``
        add ``key=value`` pairs to the spec (``gym.make_vec``'s keyword arguments)."""
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        flags = meta_input_flags(meta_inputs)
        code = reward_code_tuple(reward_code)
        self._core = _core.VectorEnv(with_params(spec, params), num_envs, flags, infos, code)
        self.num_envs = num_envs
        self.single_observation_space = to_gym_space(self._core.single_observation_space)
        self.single_action_space = to_gym_space(self._core.single_action_space)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._discrete = isinstance(self.single_action_space, gym.spaces.Discrete)

    @property
    def task_spec(self) -> str:
        """The canonical spec: every parameter spelled out."""
        return str(self._core.spec)

    @property
    def trial_steps(self) -> int:
        """Steps in a full trial."""
        return int(self._core.trial_steps)

    @property
    def trials_started(self) -> int:
        """Trials started since the last reset (the next one's index)."""
        return int(self._core.trials_started)

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts ``num_envs`` new trials; returns their observations and infos.

        One seed seeds the whole batch (a list of seeds is refused: the
        trials of a batch come from one stream). There are no options.
        """
        if isinstance(seed, (list, tuple)):
            raise ValueError(
                "LsnnVectorEnv takes one seed for the whole batch (trial k of the stream "
                "plays the task of baselines --seed SEED trial k); pass an int or None"
            )
        if options:
            raise ValueError(f"LsnnVectorEnv.reset takes no options, got {sorted(options)}")
        super().reset(seed=seed)
        if seed is None:
            seed = int(self.np_random.integers(0, 2**63))
        obs, infos = self._core.reset(seed)
        return obs, infos

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every trial with ``actions``: ``[num_envs]`` integers for a
        discrete action space, ``[num_envs, dim]`` floats for a box."""
        actions = np.asarray(actions)
        if self._discrete:
            if actions.dtype.kind not in "iu":
                raise ActionError(
                    f"actions for {self.task_spec} must be integers (arm or move indices), "
                    f"got an array of {actions.dtype}"
                )
            actions = actions.astype(np.int64, copy=False)
        else:
            actions = actions.astype(np.float32, copy=False)
        return self._core.step(actions)


def make_vec(
    spec: str,
    num_envs: int,
    meta_inputs: MetaInputs = False,
    infos: bool = True,
    reward_code: RewardCode = None,
) -> LsnnVectorEnv:
    """``num_envs`` trials of ``spec`` stepped together in Rust.

    ``meta_inputs`` (``True``: the command line's agents' inputs) and
    ``reward_code`` as for :func:`lsnn_rl.make`; ``infos=False`` returns empty info dicts, which is faster
    when the figures are not needed.
    """
    return LsnnVectorEnv(spec, num_envs, meta_inputs, infos, reward_code)
