#!/usr/bin/env python3
"""Plain eager PyTorch reference of lsnn-rl's `small` benchmark preset.

The same A2C update as `lsnn-rl bench --preset small`, written the way a
researcher would write it in a notebook: 64 two-armed Bernoulli bandit trials
of 100 pulls in lockstep, an LSNN of 50 LIF + 50 ALIF neurons (Bellec et al.
2018 equations, one network step per pull) with one fused input-and-recurrent
matmul per step, spikes with the detach trick (Heaviside forward, triangular
pseudo-derivative backward), a low-pass filtered readout, softmax policy and
value heads, autograd BPTT through the whole trial, gradient clipping and
torch.optim.Adam. Inputs per step: one-hot previous action, previous reward,
normalised step index.

Prints one line of JSON: env-steps per second and milliseconds per update
(median over the timed updates). Used by scripts/bench/compare-python.sh.

    python3 scripts/bench/python_reference.py --updates 30 --threads 1
"""

import argparse
import json
import math
import statistics
import time
import warnings

# The venv has no NumPy and this script needs none.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402


def build(n_in, n_lif, n_alif, n_actions, seed):
    g = torch.Generator().manual_seed(seed)
    n = n_lif + n_alif
    w_in = torch.randn(n_in, n, generator=g) / math.sqrt(n_in)
    w_rec = torch.randn(n, n, generator=g) / math.sqrt(n)
    w_rec.fill_diagonal_(0.0)
    params = {
        "w": torch.cat([w_in, w_rec]).requires_grad_(),
        "policy_w": ((torch.rand(n, n_actions, generator=g) * 2 - 1) / math.sqrt(n)).requires_grad_(),
        "policy_b": torch.zeros(n_actions, requires_grad=True),
        "value_w": ((torch.rand(n, 1, generator=g) * 2 - 1) / math.sqrt(n)).requires_grad_(),
        "value_b": torch.zeros(1, requires_grad=True),
    }
    rec_mask = 1.0 - torch.eye(n)
    beta = torch.cat([torch.zeros(n_lif), torch.full((n_alif,), 1.8)])
    return params, rec_mask, beta


def update(params, rec_mask, beta, opt, rng, args):
    batch, pulls, arms = args.batch, args.pulls, 2
    n = args.n_lif + args.n_alif
    alpha = math.exp(-1.0 / 20.0)
    rho = math.exp(-1.0 / 200.0)
    thr0 = 0.01
    kappa = math.exp(-1.0 / 3.0)
    gamma, value_weight, entropy_weight = 0.9, 0.25, 0.05

    probs_arm = torch.rand(batch, arms, generator=rng)
    v = torch.zeros(batch, n)
    z = torch.zeros(batch, n)
    b = torch.zeros(batch, n)
    trace = torch.zeros(batch, n)
    prev_action = torch.zeros(batch, arms)
    prev_reward = torch.zeros(batch, 1)
    w_in_rows = arms + 2
    w = params["w"]
    w_masked = torch.cat([w[:w_in_rows], w[w_in_rows:] * rec_mask])
    log_probs, values, entropies, rewards = [], [], [], []
    for t in range(pulls):
        step = torch.full((batch, 1), t / pulls)
        x = torch.cat([prev_action, prev_reward, step, z], dim=1)
        current = x @ w_masked
        b = rho * b + (1 - rho) * z
        thr = thr0 + beta * b
        v_scaled = (v - thr) / thr
        v = alpha * v + (1 - alpha) * current - thr * z
        heaviside = (v_scaled > 0).float()
        pseudo = 0.3 * torch.clamp(1.0 - v_scaled.detach().abs(), min=0.0)
        z = heaviside + (v_scaled - v_scaled.detach()) * pseudo
        trace = kappa * trace + (1 - kappa) * z
        logits = trace @ params["policy_w"] + params["policy_b"]
        value = (trace @ params["value_w"] + params["value_b"]).squeeze(-1)
        log_p = torch.log_softmax(logits, dim=-1)
        action = torch.multinomial(log_p.detach().exp(), 1).squeeze(-1)
        p_chosen = probs_arm.gather(1, action.unsqueeze(1)).squeeze(1)
        r = (torch.rand(batch, generator=rng) < p_chosen).float()
        log_probs.append(log_p.gather(1, action.unsqueeze(1)).squeeze(1))
        entropies.append(-(log_p.exp() * log_p).sum(-1))
        values.append(value)
        rewards.append(r)
        prev_action = torch.nn.functional.one_hot(action, arms).float()
        prev_reward = r.unsqueeze(1)
    values_t = torch.stack(values)
    returns = torch.zeros(pulls, batch)
    running = torch.zeros(batch)
    for t in reversed(range(pulls)):
        running = rewards[t] + gamma * running
        returns[t] = running
    advantages = returns - values_t.detach()
    policy_loss = -(torch.stack(log_probs) * advantages).mean()
    value_loss = 0.5 * (returns - values_t).square().mean()
    entropy = torch.stack(entropies).mean()
    loss = policy_loss + value_weight * value_loss - entropy_weight * entropy
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params.values(), 10.0)
    opt.step()
    return float(torch.stack(rewards).sum(0).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=30, help="timed updates")
    parser.add_argument("--warmup", type=int, default=3, help="untimed updates first")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--pulls", type=int, default=100)
    parser.add_argument("--n-lif", type=int, default=50)
    parser.add_argument("--n-alif", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = torch.Generator().manual_seed(args.seed + 1)
    params, rec_mask, beta = build(4, args.n_lif, args.n_alif, 2, args.seed)
    opt = torch.optim.Adam(params.values(), lr=3e-3)
    for _ in range(args.warmup):
        update(params, rec_mask, beta, opt, rng, args)
    times = []
    for _ in range(args.updates):
        start = time.perf_counter()
        update(params, rec_mask, beta, opt, rng, args)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        "impl": "python-eager",
        "torch": torch.__version__,
        "threads": args.threads,
        "env_steps_per_s": args.batch * args.pulls / median,
        "update_ms_median": median * 1e3,
        "update_ms_min": min(times) * 1e3,
        "update_ms_max": max(times) * 1e3,
    }))


if __name__ == "__main__":
    main()
