"""What the tests share: the command-line binary they compare against."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_path() -> Path:
    """The ``lsnn-rl`` binary: ``$LSNN_RL_BIN`` (scripts/test.sh sets it to
    the one ``cargo test`` built), else a built one in the target folder."""
    given = os.environ.get("LSNN_RL_BIN")
    if given:
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("debug", "release"):
        candidate = target / profile / "lsnn-rl"
        if candidate.is_file():
            return candidate
    return target / "debug" / "lsnn-rl"


@pytest.fixture(scope="session")
def cli() -> Path:
    """The binary; a missing one fails the test that needs it, with what to do."""
    path = cli_path()
    if not path.is_file():
        pytest.fail(
            f"the lsnn-rl binary {path} does not exist: run ./scripts/test.sh (which builds it), "
            "or set LSNN_RL_BIN to a built lsnn-rl"
        )
    return path


def run_cli(cli: Path, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Runs the binary; returns its result whatever the exit status."""
    return subprocess.run(
        [str(cli), *map(str, args)], capture_output=True, text=True, timeout=600, check=False
    )


def run_ok(cli: Path, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Runs the binary and fails the test unless it succeeds."""
    result = run_cli(cli, *args)
    assert result.returncode == 0, f"lsnn-rl {' '.join(map(str, args))}: {result.stderr}"
    return result
