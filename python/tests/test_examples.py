"""The Python examples run, on a tiny budget: the REINFORCE agent learns,
and the throughput benchmark measures both implementations."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"


def run_example(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def scores(output: str) -> dict[str, float]:
    line = next(line for line in output.splitlines() if line.startswith("result: "))
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}


def test_reinforce_learns_the_dependent_bandit() -> None:
    untrained = scores(run_example("reinforce_bandit.py", "--updates", "0", "--trials", "300"))
    trained = scores(run_example("reinforce_bandit.py", "--updates", "30", "--trials", "300"))
    # Untrained, it pulls at random; 30 updates of 64 trials teach it to stay
    # with an arm that pays (about 63 against 50; Thompson sampling: 72).
    assert abs(untrained["reinforce"] - untrained["random"]) < 3, untrained
    assert trained["reinforce"] > trained["random"] + 8, trained
    assert trained["reinforce"] < trained["thompson"], trained


def test_the_benchmark_runs() -> None:
    output = run_example("bench_vector.py", "--steps", "40", "--repeats", "1", "--num-envs", "8")
    rates = re.findall(r"^(lsnn_rl.make_vec \(Rust\)|pure Python, SyncVectorEnv)\s+([\d,]+)", output, re.M)
    assert len(rates) == 2, output
    assert all(float(rate.replace(",", "")) > 0 for _, rate in rates)
    assert "ratio lsnn_rl.make_vec (Rust) / pure Python" in output
