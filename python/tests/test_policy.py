"""lsnn_rl.BanditPolicy: step by step, with a history or explicitly."""

from __future__ import annotations

import numpy as np
import pytest

import lsnn_rl


def play_trial(policy: lsnn_rl.BanditPolicy, p: list[float], rng: np.random.Generator, pulls: int) -> float:
    history: list[tuple[int, float]] = []
    for _ in range(pulls):
        arm = policy.act(history)
        history.append((arm, float(rng.random() < p[arm])))
    return sum(r for _, r in history)


@pytest.mark.parametrize("algo", ["thompson", "gittins", "ucb1", "greedy:prior=beta"])
def test_bandit_algorithms_find_the_good_arm(algo: str) -> None:
    policy = lsnn_rl.BanditPolicy(algo, arms=3, pulls=50, seed=0)
    rng = np.random.default_rng(1)
    totals = [play_trial(policy, [0.2, 0.8, 0.3], rng, 50) for _ in range(10)]
    assert policy.trials_started == 10
    assert np.mean(totals) > 30, (algo, totals)  # random pulls earn 21.7, the best arm 40


def test_history_and_explicit_calls_agree() -> None:
    a = lsnn_rl.BanditPolicy("thompson", arms=2, pulls=6, seed=3)
    b = lsnn_rl.BanditPolicy("thompson", arms=2, pulls=6, seed=3)
    history: list[tuple[int, float]] = []
    b.start_trial()
    for t in range(6):
        arm = a.act(history)
        assert arm == b.act()
        reward = float(t % 2)
        history.append((arm, reward))
        b.observe(arm, reward)
    # Trial 1 of the same seed, either way.
    b.start_trial()
    assert a.act([]) == b.act()
    assert lsnn_rl.policy_seed(3, 1) != lsnn_rl.policy_seed(3, 0)


def test_errors() -> None:
    with pytest.raises(lsnn_rl.AlgorithmError, match="unknown algorithm 'tompson'"):
        lsnn_rl.BanditPolicy("tompson", arms=2, pulls=5)
    with pytest.raises(lsnn_rl.PolicyError, match="explorer is not a bandit algorithm"):
        lsnn_rl.BanditPolicy("explorer", arms=4, pulls=5)
    with pytest.raises(lsnn_rl.PolicyError, match="Discrete"):
        lsnn_rl.BanditPolicy.for_env("thompson", "arena-water:actions=continuous")
    policy = lsnn_rl.BanditPolicy("thompson", arms=2, pulls=2)
    with pytest.raises(lsnn_rl.PolicyError, match="no trial in play; call start_trial first"):
        policy.act()
    with pytest.raises(lsnn_rl.PolicyError, match="the first history of a trial must be empty"):
        policy.act([(0, 1.0)])
    policy.act([])
    with pytest.raises(lsnn_rl.PolicyError, match="assumes Bernoulli rewards"):
        policy.act([(0, 0.5)])
    policy = lsnn_rl.BanditPolicy("thompson", arms=2, pulls=3)
    policy.act([])
    policy.act([(0, 1.0)])
    policy.act([(0, 1.0), (1, 0.0)])
    with pytest.raises(lsnn_rl.PolicyError, match="the history shrank from 2 to 1 pulls"):
        policy.act([(0, 1.0)])
    with pytest.raises(lsnn_rl.PolicyError, match="the trial of 3 pulls is over; call start_trial"):
        policy.act([(0, 1.0), (1, 0.0), (1, 1.0)])
