"""The Rust core's spaces and meta-RL inputs, in Gymnasium's terms."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, Optional, Union

import numpy as np
from gymnasium import spaces

from . import _core

__all__ = [
    "META_INPUTS",
    "MetaInputs",
    "RewardCode",
    "meta_input_flags",
    "reward_code_tuple",
    "to_gym_space",
]

#: The meta-RL inputs a trial can append to each observation, in their
#: order: the previous action (one-hot for a discrete action space), the
#: previous reward, 1 when the previous step ended an episode of the trial,
#: and the step index over the trial length.
META_INPUTS: tuple[str, ...] = ("prev_action", "prev_reward", "done_flag", "step_index")

#: What ``meta_inputs=`` accepts: ``False``/``None`` (none), ``True``/``"all"``
#: (all four, as the command line's agents see them by default), or names
#: from :data:`META_INPUTS`.
MetaInputs = Union[bool, str, Iterable[str], None]

#: What ``reward_code=`` accepts: ``None`` (no code), or ``(units, low, high)``:
#: the previous reward also as a population of ``units`` Gaussian tuning
#: curves with centres spread evenly from ``low`` to ``high``, appended last
#: (the command line's ``[inputs] reward_units``, ``reward_low``, ``reward_high``).
RewardCode = Optional[tuple[int, float, float]]


def meta_input_flags(meta_inputs: MetaInputs) -> tuple[bool, bool, bool, bool]:
    """The four on/off flags of ``meta_inputs``, in :data:`META_INPUTS` order."""
    if meta_inputs is None or meta_inputs is False:
        return (False, False, False, False)
    if meta_inputs is True or meta_inputs == "all":
        return (True, True, True, True)
    names = [meta_inputs] if isinstance(meta_inputs, str) else list(meta_inputs)
    unknown = [n for n in names if n not in META_INPUTS]
    if unknown:
        raise ValueError(
            f"unknown meta-RL input(s) {', '.join(map(str, unknown))}; "
            f"choose from {', '.join(META_INPUTS)}, or pass True for all four"
        )
    flags = tuple(name in names for name in META_INPUTS)
    return (flags[0], flags[1], flags[2], flags[3])


def reward_code_tuple(reward_code: Any) -> tuple[int, float, float] | None:
    """``reward_code`` as the core takes it: ``None``, or ``(units, low, high)``
    with a whole number of units and real ``low`` and ``high`` (the core
    checks the values: at least 2 units, ``low`` below ``high``)."""
    if reward_code is None:
        return None
    usage = "reward_code must be (units, low, high) with units >= 2 and low < high, e.g. (11, 0.0, 1.0), or None"
    try:
        units, low, high = reward_code
    except (TypeError, ValueError):
        raise ValueError(f"{usage}; got {reward_code!r}") from None
    whole = isinstance(units, numbers.Integral) or (
        isinstance(units, float) and units.is_integer()
    )
    if isinstance(units, bool) or not whole or units < 2:
        raise ValueError(f"{usage}; its units must be a whole number >= 2, got {units!r}")
    if units > _core.MAX_REWARD_UNITS:
        raise ValueError(f"{usage}; at most {_core.MAX_REWARD_UNITS} units, got {units!r}")
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{usage}; its {name} must be a number, got {value!r}")
    return (int(units), float(low), float(high))


def to_gym_space(description: dict[str, Any]) -> spaces.Space[Any]:
    """A Gymnasium space from the core's description: ``Discrete(n)``, or a
    float32 ``Box`` with element-wise bounds (infinite where unbounded)."""
    if description["type"] == "discrete":
        return spaces.Discrete(int(description["n"]))
    shape = tuple(int(d) for d in description["shape"])
    low = np.asarray(description["low"], dtype=np.float32).reshape(shape)
    high = np.asarray(description["high"], dtype=np.float32).reshape(shape)
    return spaces.Box(low=low, high=high, shape=shape, dtype=np.float32)
