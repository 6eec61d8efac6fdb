"""The exceptions of lsnn_rl.

Every error the Rust core reports arrives as one of these, with the message
the command line prints for the same problem (``lsnn-rl`` adds its hints
around it, e.g. "run `lsnn-rl envs` to see the environments").
"""

from __future__ import annotations

__all__ = [
    "LsnnRlError",
    "SpecError",
    "AlgorithmError",
    "ActionError",
    "StateError",
    "PolicyError",
    "RunDirError",
]


class LsnnRlError(Exception):
    """Base class of every lsnn_rl error."""


class SpecError(LsnnRlError, ValueError):
    """A bad environment spec: unknown id or key, or a value out of range."""


class AlgorithmError(LsnnRlError, ValueError):
    """A bad algorithm spec: unknown algorithm or parameter, or a bad value."""


class ActionError(LsnnRlError, ValueError):
    """An action outside the environment's action space."""


class StateError(LsnnRlError, RuntimeError):
    """A step before the first reset, or after the trial's end."""


class PolicyError(LsnnRlError, ValueError):
    """A policy that cannot play a task, or an observation that breaks its model."""


class RunDirError(LsnnRlError, ValueError):
    """A run directory, or one of its files, that cannot be read."""
