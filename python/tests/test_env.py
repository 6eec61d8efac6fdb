"""lsnn_rl.make: Gymnasium's checker on every environment, the trial and
seeding conventions, infos, and errors."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lsnn_rl

IDS = [entry["id"] for entry in lsnn_rl.envs()]


def test_the_registry_lists_every_family_with_parameters() -> None:
    assert IDS == [
        "arena-water",
        "bandit-bernoulli",
        "bandit-dependent",
        "bandit-eleven-arm",
        "bandit-gaussian",
        "bandit-restless",
        "function-linear",
        "function-net",
        "function-sine",
        "maze-random",
        "maze-water-grid",
    ]
    bernoulli = next(e for e in lsnn_rl.envs() if e["id"] == "bandit-bernoulli")
    assert bernoulli["action_space"] == "Discrete(5)"
    assert bernoulli["episodes_per_trial"] == 1
    assert [(p["name"], p["default"]) for p in bernoulli["params"]] == [("arms", "5"), ("pulls", "100")]
    assert lsnn_rl.canonical_spec("bandit-bernoulli:pulls=7") == "bandit-bernoulli:arms=5,pulls=7"


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("meta_inputs", [False, True], ids=["plain", "meta-inputs"])
def test_gymnasium_check_env_passes(env_id: str, meta_inputs: bool) -> None:
    env = lsnn_rl.make(env_id, meta_inputs=meta_inputs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    messages = [str(w.message) for w in caught]
    if env_id.startswith("function-"):
        # A prediction lives in the targets' range, [-10, 10], not the
        # normalised [-1, 1] Gymnasium recommends for policies' actions.
        messages = [m for m in messages if "symmetric and normalized" not in m]
    # The only warnings: the previous-reward input is unbounded, as rewards are.
    assert all("infinity" in m for m in messages), messages
    assert bool(messages) == meta_inputs


def test_gymnasium_make_and_make_vec_reach_the_registry() -> None:
    env = gym.make("lsnn_rl/bandit-bernoulli-v0", arms=3, pulls=10, meta_inputs=True)
    assert isinstance(env.unwrapped, lsnn_rl.LsnnEnv)
    assert env.unwrapped.task_spec == "bandit-bernoulli:arms=3,pulls=10"
    assert env.observation_space.shape == (3 + 3,)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert all("infinity" in str(w.message) for w in caught)
    vec = gym.make_vec("lsnn_rl/bandit-dependent-v0", num_envs=4)
    assert isinstance(vec, lsnn_rl.LsnnVectorEnv)
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (4, 0)


def play(env: lsnn_rl.LsnnEnv, actions: list[int], **reset: object) -> list[tuple[object, ...]]:
    """Resets ``env`` and plays ``actions`` in turn until the trial ends."""
    obs, info = env.reset(**reset)  # type: ignore[arg-type]
    out: list[tuple[object, ...]] = [(obs.tolist(), info)]
    for t in range(env.trial_steps):
        obs, reward, terminated, truncated, info = env.step(actions[t % len(actions)])
        out.append((obs.tolist(), reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return out


def test_a_seed_fixes_the_stream_of_trials() -> None:
    env = lsnn_rl.make("bandit-bernoulli:arms=3,pulls=6")
    first = play(env, [0, 1, 2], seed=5)
    second = play(env, [0, 1, 2])
    assert (env.trial_index, env.stream_seed) == (1, 5)
    assert play(env, [0, 1, 2], seed=5) == first
    assert play(env, [0, 1, 2]) == second
    assert second != first, "the next reset draws a new task"
    # options={"trial": k} jumps to trial k of the stream.
    assert play(env, [0, 1, 2], options={"trial": 1}) == second
    assert play(env, [0, 1, 2], seed=6) != first
    with pytest.raises(ValueError, match="only option is 'trial'"):
        env.reset(options={"arms": 2})


def test_the_first_reset_without_a_seed_draws_one() -> None:
    env = lsnn_rl.make("bandit-bernoulli")
    env.reset()
    assert env.stream_seed is not None and env.trial_index == 0


def test_bandit_infos_carry_exact_regret() -> None:
    env = lsnn_rl.make("bandit-bernoulli:arms=4,pulls=20")
    env.reset(seed=3)
    total_regret = 0.0
    for t in range(20):
        _, reward, terminated, truncated, info = env.step(t % 4)
        assert info["arm"] == t % 4 and reward in (0.0, 1.0)
        assert info["regret"] == pytest.approx(info["best_expected_reward"] - info["expected_reward"])
        assert info["regret"] >= 0.0
        total_regret += info["regret"]
        assert terminated == (t == 19) and not truncated
    assert total_regret > 0.0, "cycling through the arms pulls worse ones"
    assert info["episode_end"] == 1.0


def test_maze_infos_carry_the_goal_and_episodes() -> None:
    env = lsnn_rl.make("maze-random:size=4,horizon=30")
    _, info = env.reset(seed=0)
    for key in ("x", "y", "goal_x", "goal_y", "shortest_path", "best_action"):
        assert key in info, (key, info)
    # The oracle's moves reach the goal in the shortest path; the second
    # episode starts on the same maze, with the same goal.
    goal = (info["goal_x"], info["goal_y"])
    shortest = info["shortest_path"]
    steps = 0
    while True:
        _, reward, terminated, truncated, info = env.step(int(info["best_action"]))
        steps += 1
        if info.get("episode_end"):
            break
    assert info["goal_reached"] == 1.0 and steps == shortest
    assert not (terminated or truncated), "a trial of maze-random has two episodes"
    assert (info["goal_x"], info["goal_y"]) == goal


def test_meta_inputs_are_what_the_agents_see() -> None:
    env = lsnn_rl.make("bandit-bernoulli:arms=3,pulls=4", meta_inputs=True)
    obs, _ = env.reset(seed=1)
    np.testing.assert_array_equal(obs, np.zeros(6, dtype=np.float32))
    obs, reward, *_ = env.step(2)
    # Previous action one-hot, previous reward, done flag, step / trial length.
    np.testing.assert_array_equal(obs, np.array([0, 0, 1, reward, 0, 0.25], dtype=np.float32))
    only = lsnn_rl.make("bandit-bernoulli:arms=3,pulls=4", meta_inputs=["prev_reward"])
    assert only.observation_space.shape == (1,)
    with pytest.raises(ValueError, match="unknown meta-RL input"):
        lsnn_rl.make("bandit-bernoulli", meta_inputs=["reward"])


def test_the_reward_code_is_what_the_agents_see() -> None:
    # Three units centred on 0, 0.5 and 1, each a quarter wide (half the spacing).
    env = lsnn_rl.make(
        "bandit-bernoulli:arms=3,pulls=4", meta_inputs=["prev_reward"], reward_code=(3, 0, 1)
    )
    assert env.observation_space.shape == (4,)
    obs, _ = env.reset(seed=1)
    np.testing.assert_array_equal(obs, np.zeros(4, dtype=np.float32))
    for _ in range(4):
        obs, reward, *_ = env.step(0)
        code = np.exp(-0.5 * ((reward - np.array([0.0, 0.5, 1.0])) / 0.25) ** 2)
        np.testing.assert_allclose(obs, np.concatenate([[reward], code]).astype(np.float32), rtol=1e-6)
    assert env.spec is not None and env.spec.kwargs["reward_code"] == (3, 0.0, 1.0)
    through_gym = gym.make(
        "lsnn_rl/bandit-bernoulli-v0", arms=3, meta_inputs=True, reward_code=(11, 0.0, 5.0)
    )
    assert through_gym.observation_space.shape == (3 + 1 + 1 + 1 + 11,)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ((1, 0.0, 1.0), "whole number >= 2, got 1"),
        ((0, 0.0, 1.0), "whole number >= 2, got 0"),
        ((-3, 0.0, 1.0), "whole number >= 2"),
        ((True, 0.0, 1.0), "whole number >= 2, got True"),
        ((2.5, 0.0, 1.0), "whole number >= 2, got 2.5"),
        ((float("inf"), 0.0, 1.0), "whole number >= 2"),
        ((None, 0.0, 1.0), "whole number >= 2, got None"),
        (("11", 0.0, 1.0), "whole number >= 2"),
        ((3, "0", 1.0), "its low must be a number"),
        ((3, 0.0, None), "its high must be a number"),
        ((3, 1.0, 1.0), "reward_low below reward_high"),
        ((3, 0.0, float("nan")), "reward_low below reward_high"),
        ((2000, 0.0, 1.0), "at most 1024 units"),
        ((2**70, 0.0, 1.0), "at most 1024 units"),
        ((3, 0.0), "must be \\(units, low, high\\)"),
        (11, "must be \\(units, low, high\\)"),
    ],
)
def test_a_bad_reward_code_is_refused(code: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lsnn_rl.make("bandit-bernoulli", meta_inputs=True, reward_code=code)
    with pytest.raises(ValueError, match=message):
        lsnn_rl.make_vec("bandit-bernoulli", num_envs=2, reward_code=code)


def test_the_reward_code_survives_gymnasiums_spec_round_trip() -> None:
    env = lsnn_rl.make("bandit-bernoulli:arms=3,pulls=4", meta_inputs=True, reward_code=[5, 0, 1])
    assert env.spec is not None and env.spec.kwargs["reward_code"] == (5, 0.0, 1.0)
    again = gym.make(gym.envs.registration.EnvSpec.from_json(env.spec.to_json()))
    assert again.observation_space.shape == env.observation_space.shape == (3 + 1 + 1 + 1 + 5,)
    vec = gym.make_vec("lsnn_rl/bandit-bernoulli-v0", num_envs=2, arms=3, reward_code=(5, 0, 1))
    assert vec.single_observation_space.shape == (5,)


def test_continuous_actions_take_vectors() -> None:
    env = lsnn_rl.make("arena-water:actions=continuous")
    assert isinstance(env.action_space, gym.spaces.Box)
    env.reset(seed=0)
    obs, *_ = env.step(np.array([0.5, -0.5], dtype=np.float32))
    assert obs.shape == env.observation_space.shape
    with pytest.raises(lsnn_rl.ActionError, match="action space is Box"):
        env.step(np.array([2.0, 0.0]))


def test_errors_are_exceptions_with_the_core_messages() -> None:
    with pytest.raises(lsnn_rl.SpecError) as bad_value:
        lsnn_rl.make("bandit-bernoulli:arms=0")
    assert str(bad_value.value) == "bandit-bernoulli: arms=0 is invalid: arms must be at least 1"
    with pytest.raises(lsnn_rl.SpecError, match="unknown environment 'bandit-x'; registered environments: arena-water"):
        lsnn_rl.make("bandit-x")
    with pytest.raises(lsnn_rl.SpecError, match="has no parameter 'arm'; its parameters are: arms, pulls"):
        lsnn_rl.make("bandit-bernoulli:arm=2")
    assert issubclass(lsnn_rl.SpecError, ValueError)

    env = lsnn_rl.make("bandit-bernoulli:arms=2,pulls=2")
    with pytest.raises(lsnn_rl.StateError, match="step called before reset; call reset first"):
        env.step(0)
    env.reset(seed=0)
    for bad in (2, -1, 1.0, "a"):
        with pytest.raises(lsnn_rl.ActionError) as err:
            env.step(bad)
        assert str(err.value) == (
            f"invalid action {bad} for bandit-bernoulli:arms=2,pulls=2: the action space is Discrete(2)"
        )
    env.step(np.int64(1))
    env.step(1)
    with pytest.raises(lsnn_rl.StateError) as over:
        env.step(0)
    assert str(over.value) == (
        "bandit-bernoulli:arms=2,pulls=2: step called after the episode ended; "
        "call reset to start a new one"
    )
