"""Throughput of lsnn_rl's vector environment from Python.

Steps B = 64 Bernoulli bandits (5 arms, 100 pulls, NEXT_STEP autoreset) with
random arms, and reports environment steps per second (one step of one
trial = one step): lsnn_rl.make_vec, which steps the batch in Rust in one
call, with and without its array infos, against the same task written as a
pure-Python Gymnasium environment under gymnasium.vector.SyncVectorEnv.
Prints the median of the repeats and its range, and the ratio.

    python examples/python/bench_vector.py [--steps 2000] [--repeats 7] [--num-envs 64]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import lsnn_rl

ARMS, PULLS = 5, 100
SPEC = f"bandit-bernoulli:arms={ARMS},pulls={PULLS}"


class PyBernoulliBandit(gym.Env[np.ndarray, np.int64]):
    """bandit-bernoulli in plain Python: each episode draws p_i ~ U[0, 1];
    a pull of arm a pays 1 with probability p_a; the info carries the arm
    and the expected rewards, as lsnn_rl's does."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(0.0, 0.0, shape=(0,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(ARMS)
        self._obs = np.zeros(0, dtype=np.float32)
        self._p = np.zeros(ARMS)
        self._pulls = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._p = self.np_random.random(ARMS)
        self._pulls = 0
        return self._obs, {"episode": 0.0}

    def step(self, action: np.int64):
        arm = int(action)
        if not 0 <= arm < ARMS:
            raise ValueError(f"invalid action {action}")
        self._pulls += 1
        reward = float(self.np_random.random() < self._p[arm])
        info = {"arm": float(arm), "expected_reward": self._p[arm], "best_expected_reward": self._p.max()}
        return self._obs, reward, self._pulls == PULLS, False, info


def steps_per_second(make: Callable[[], Any], num_envs: int, steps: int, seed: int) -> float:
    """Environment steps per second of one timed run of ``steps`` batch steps."""
    actions = np.random.default_rng(seed).integers(0, ARMS, size=(steps, num_envs))
    env = make()
    env.reset(seed=seed)
    for t in range(min(steps, 50)):  # warm up
        env.step(actions[t])
    start = time.perf_counter()
    for t in range(steps):
        env.step(actions[t])
    rate = steps * num_envs / (time.perf_counter() - start)
    env.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="batch steps per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per implementation")
    parser.add_argument("--num-envs", type=int, default=64, help="trials stepped together (B)")
    args = parser.parse_args()
    b = args.num_envs
    candidates = {
        "lsnn_rl.make_vec (Rust)": lambda: lsnn_rl.make_vec(SPEC, b),
        "lsnn_rl.make_vec, infos=False": lambda: lsnn_rl.make_vec(SPEC, b, infos=False),
        "pure Python, SyncVectorEnv": lambda: SyncVectorEnv(
            [PyBernoulliBandit for _ in range(b)], autoreset_mode=AutoresetMode.NEXT_STEP
        ),
    }
    print(f"{SPEC}, B = {b}, {args.steps} steps x {args.repeats} repeats, random arms")
    print(f"{'implementation':<32}{'steps/s (median)':>18}{'min':>14}{'max':>14}")
    # The implementations take turns in every repeat, so that a busy machine
    # slows them alike.
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    for repeat in range(args.repeats):
        for name, make in candidates.items():
            rates[name].append(steps_per_second(make, b, args.steps, seed=repeat))
    medians = {}
    for name, found in rates.items():
        medians[name] = statistics.median(found)
        print(f"{name:<32}{medians[name]:>18,.0f}{min(found):>14,.0f}{max(found):>14,.0f}")
    python = medians["pure Python, SyncVectorEnv"]
    for name in list(candidates)[:2]:
        print(f"ratio {name} / pure Python: {medians[name] / python:.1f}x")


if __name__ == "__main__":
    main()
