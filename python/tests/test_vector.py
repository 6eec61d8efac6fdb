"""lsnn_rl.make_vec: Gymnasium's vector conventions, NEXT_STEP autoreset,
array infos, and the same trials as the single environment."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import lsnn_rl


def test_shapes_dtypes_and_spaces() -> None:
    env = lsnn_rl.make_vec("bandit-bernoulli:arms=4,pulls=5", num_envs=6, meta_inputs=True)
    assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert env.num_envs == 6 and env.single_observation_space.shape == (4 + 3,)
    assert env.observation_space.shape == (6, 7) and env.action_space.shape == (6,)
    obs, infos = env.reset(seed=0)
    assert obs.shape == (6, 7) and obs.dtype == np.float32
    assert infos["episode"].dtype == np.float64 and infos["_episode"].all()
    obs, rewards, terminated, truncated, infos = env.step(env.action_space.sample())
    assert obs.dtype == np.float32 and rewards.dtype == np.float64
    assert terminated.dtype == np.bool_ and truncated.dtype == np.bool_
    assert env.observation_space.contains(obs)
    np.testing.assert_allclose(infos["regret"], infos["best_expected_reward"] - infos["expected_reward"])
    assert set(infos) >= {"arm", "_arm", "expected_reward", "best_expected_reward", "regret", "_regret"}


def test_next_step_autoreset() -> None:
    env = lsnn_rl.make_vec("bandit-bernoulli:arms=2,pulls=3", num_envs=4)
    env.reset(seed=1)
    ones = np.ones(4, dtype=np.int64)
    for step in range(3):
        _, _, terminated, truncated, infos = env.step(ones)
        assert terminated.all() == (step == 2) and not truncated.any()
        assert "autoreset" not in infos
    # The step after the end ignores its actions (even bad ones would be
    # checked, so pass valid ones) and starts new trials.
    _, rewards, terminated, truncated, infos = env.step(np.zeros(4, dtype=np.int64))
    assert (rewards == 0).all() and not terminated.any() and not truncated.any()
    assert infos["_autoreset"].all() and (infos["autoreset"] == 1).all()
    assert env.trials_started == 8


def test_mixed_trial_lengths_mask_infos_per_slot() -> None:
    # maze-random's episodes end when the goal is found, so slots end at different times.
    env = lsnn_rl.make_vec("maze-random:size=3,horizon=6,episodes=1", num_envs=8)
    env.reset(seed=2)
    seen_partial = False
    for _ in range(20):
        _, _, _, _, infos = env.step(env.action_space.sample())
        if "_autoreset" in infos:
            mask = infos["_autoreset"]
            assert (infos["autoreset"][mask] == 1).all() and (infos["autoreset"][~mask] == 0).all()
            seen_partial |= bool(0 < mask.sum() < 8)
    assert seen_partial, "some slots reset while others played on"


def test_slots_play_the_single_environments_trials() -> None:
    spec = "maze-water-grid:size=5,steps=12"
    # With the reward code too, so the vector path's code is checked against the single one's.
    code = (4, -0.1, 1.0)
    vec = lsnn_rl.make_vec(spec, num_envs=3, meta_inputs=True, reward_code=code)
    plain = lsnn_rl.make(spec, meta_inputs=True).observation_space.shape
    assert vec.single_observation_space.shape == (plain[0] + 4,)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 4, size=(12, 3))
    vec_obs, _ = vec.reset(seed=9)
    trajectories = [[vec_obs]]
    for t in range(12):
        obs, rewards, terminated, truncated, _ = vec.step(actions[t])
        trajectories.append([obs, rewards, terminated | truncated])
    single = lsnn_rl.make(spec, meta_inputs=True, reward_code=code)
    for slot in range(3):
        obs, _ = single.reset(seed=9, options={"trial": slot})
        np.testing.assert_array_equal(obs, trajectories[0][0][slot])
        for t in range(12):
            obs, reward, done, cut, _ = single.step(int(actions[t, slot]))
            np.testing.assert_array_equal(obs, trajectories[t + 1][0][slot])
            assert reward == trajectories[t + 1][1][slot]
            assert (done or cut) == trajectories[t + 1][2][slot]


def test_seeding_and_reset_without_a_seed() -> None:
    def rewards(env: lsnn_rl.LsnnVectorEnv, **reset: object) -> np.ndarray:
        env.reset(**reset)  # type: ignore[arg-type]
        return np.stack([env.step(np.zeros(5, dtype=np.int64))[1] for _ in range(10)])

    env = lsnn_rl.make_vec("bandit-bernoulli:arms=2,pulls=10", num_envs=5)
    first = rewards(env, seed=3)
    second = rewards(env)
    np.testing.assert_array_equal(rewards(env, seed=3), first)
    np.testing.assert_array_equal(rewards(env), second)
    assert not np.array_equal(first, second), "reset() starts a new stream of tasks"
    with pytest.raises(ValueError, match="one seed for the whole batch"):
        env.reset(seed=[1, 2, 3, 4, 5])


def test_continuous_actions_take_rows() -> None:
    env = lsnn_rl.make_vec("arena-water:actions=continuous,steps=5", num_envs=2)
    env.reset(seed=0)
    obs, *_ = env.step(np.array([[0.1, 0.2], [-0.3, 0.4]]))
    assert obs.shape == (2, 25)
    with pytest.raises(lsnn_rl.ActionError, match="action space is Box"):
        env.step(np.array([[0.1, 0.2], [3.0, 0.0]]))


def test_errors() -> None:
    env = lsnn_rl.make_vec("bandit-bernoulli:arms=2,pulls=4", num_envs=2)
    with pytest.raises(lsnn_rl.StateError, match="step called before reset"):
        env.step(np.zeros(2, dtype=np.int64))
    env.reset(seed=0)
    with pytest.raises(lsnn_rl.ActionError) as err:
        env.step(np.array([1, 2]))
    assert str(err.value) == "invalid action 2 for bandit-bernoulli:arms=2,pulls=4: the action space is Discrete(2)"
    with pytest.raises(lsnn_rl.ActionError, match="invalid action -1"):
        env.step(np.array([-1, 0]))
    with pytest.raises(lsnn_rl.ActionError, match="must be integers"):
        env.step(np.array([0.5, 1.0]))
    with pytest.raises(lsnn_rl.LsnnRlError, match="1 actions for a batch of 2"):
        env.step(np.array([1]))
    # A refused step stepped nothing: the trials still end after 4 steps.
    ends = [env.step(np.ones(2, dtype=np.int64))[2].all() for _ in range(4)]
    assert ends == [False, False, False, True]
    with pytest.raises(lsnn_rl.SpecError, match="pulls must be at least 1"):
        lsnn_rl.make_vec("bandit-bernoulli:pulls=0", num_envs=2)


def test_infos_can_be_left_out() -> None:
    env = lsnn_rl.make_vec("bandit-dependent", num_envs=4, infos=False)
    _, infos = env.reset(seed=0)
    assert infos == {}
    assert env.step(np.zeros(4, dtype=np.int64))[4] == {}
