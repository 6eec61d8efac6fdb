"""Meta-RL from Python on lsnn-rl's dependent two-arm bandit, in NumPy.

A softmax policy, linear in the meta-RL inputs (the previous arm, one-hot, and
that arm times the previous reward), is trained by REINFORCE on batches of 64
trials that lsnn_rl.make_vec steps in Rust. Each trial is a new bandit (arm
probabilities p and 1 - p), so the policy cannot learn which arm is good: it
has to learn how to find out within a trial. It learns win-stay, lose-shift,
then is scored on the evaluation tasks of `lsnn-rl baselines` next to the
classical algorithms.

    python examples/python/reinforce_bandit.py [--updates 150] [--trials 1000]
"""

from __future__ import annotations

import argparse

import numpy as np

import lsnn_rl

SPEC = "bandit-dependent:difficulty=uniform,pulls=100"
EVAL_SEED = 1_000_003  # the seed of `lsnn-rl eval`, never used in training


def features(obs: np.ndarray) -> np.ndarray:
    """[previous arm one-hot, previous arm x previous reward, 1] per trial."""
    arm, reward = obs[:, 0:2], obs[:, 2:3]
    return np.concatenate([arm, arm * reward, np.ones((len(obs), 1))], axis=1)


def play(env: lsnn_rl.LsnnVectorEnv, w: np.ndarray, seed: int, rng: np.random.Generator):
    """One trial in every slot; returns features, arms, probabilities, rewards."""
    obs, _ = env.reset(seed=seed)
    xs, arms, probs, rewards = [], [], [], []
    for _ in range(env.trial_steps):
        x = features(obs)
        logits = x @ w
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        arm = (rng.random(len(p)) > p[:, 0]).astype(np.int64)
        obs, reward, *_ = env.step(arm)
        xs.append(x)
        arms.append(arm)
        probs.append(p)
        rewards.append(reward)
    return np.array(xs), np.array(arms), np.array(probs), np.array(rewards)


def train(updates: int, lr: float = 2.0, seed: int = 0) -> np.ndarray:
    """REINFORCE with returns-to-go and a per-step baseline over the batch."""
    env = lsnn_rl.make_vec(SPEC, num_envs=64, meta_inputs=["prev_action", "prev_reward"], infos=False)
    rng = np.random.default_rng(seed)
    w = np.zeros((5, 2))
    for update in range(updates):
        xs, arms, probs, rewards = play(env, w, seed=seed * 1_000_000 + update, rng=rng)
        returns = rewards[::-1].cumsum(axis=0)[::-1]  # [T, B]
        advantage = returns - returns.mean(axis=1, keepdims=True)
        chosen = np.eye(2)[arms]  # [T, B, 2]
        grad = np.einsum("tbf,tba,tb->fa", xs, chosen - probs, advantage) / advantage.size
        w += lr * grad
    return w


def evaluate(w: np.ndarray, trials: int) -> float:
    """Mean reward per trial of the policy (sampling its arms, as `lsnn-rl
    eval` does) on the evaluation tasks, trial i on baselines' trial i."""
    env = lsnn_rl.make_vec(SPEC, num_envs=trials, meta_inputs=["prev_action", "prev_reward"], infos=False)
    _, _, _, rewards = play(env, w, seed=EVAL_SEED, rng=np.random.default_rng(EVAL_SEED))
    return float(rewards.sum(axis=0).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=150, help="REINFORCE updates of 64 trials")
    parser.add_argument("--trials", type=int, default=1000, help="evaluation trials")
    args = parser.parse_args()
    w = train(args.updates)
    learned = evaluate(w, args.trials)
    table = lsnn_rl.baselines(SPEC, trials=args.trials, seed=EVAL_SEED, algos=["random", "thompson", "gittins"], as_frame=False)
    print(f"{SPEC}: mean total reward over {args.trials} evaluation trials")
    print(f"  reinforce ({args.updates} updates)  {learned:7.2f}")
    for row in table:
        print(f"  {row['algo']:<26}{row['mean_total_reward']:7.2f}")
    for arm in (0, 1):
        for reward in (1.0, 0.0):
            x = features(np.array([[arm == 0, arm == 1, reward]], dtype=np.float32))
            p = np.exp(x @ w)[0] / np.exp(x @ w)[0].sum()
            print(f"  after arm {arm} paid {reward:.0f}: P(same arm) = {p[arm]:.2f}")
    scores = {row["algo"]: row["mean_total_reward"] for row in table}
    print(f"result: reinforce={learned:.3f} random={scores['random']:.3f} thompson={scores['thompson']:.3f}")


if __name__ == "__main__":
    main()
