"""The Rust core's spaces and meta-RL inputs, in Gymnasium's terms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

import numpy as np
from gymnasium import spaces

__all__ = ["META_INPUTS", "MetaInputs", "meta_input_flags", "to_gym_space"]

#: The meta-RL inputs a trial can append to each observation, in their
#: order: the previous action (one-hot for a discrete action space), the
#: previous reward, 1 when the previous step ended an episode of the trial,
#: and the step index over the trial length.
META_INPUTS: tuple[str, ...] = ("prev_action", "prev_reward", "done_flag", "step_index")

#: What ``meta_inputs=`` accepts: ``False``/``None`` (none), ``True``/``"all"``
#: (all four, as the command line's agents see them by default), or names
#: from :data:`META_INPUTS`.
MetaInputs = Union[bool, str, Iterable[str], None]


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


def to_gym_space(description: dict[str, Any]) -> spaces.Space[Any]:
    """A Gymnasium space from the core's description: ``Discrete(n)``, or a
    float32 ``Box`` with element-wise bounds (infinite where unbounded)."""
    if description["type"] == "discrete":
        return spaces.Discrete(int(description["n"]))
    shape = tuple(int(d) for d in description["shape"])
    low = np.asarray(description["low"], dtype=np.float32).reshape(shape)
    high = np.asarray(description["high"], dtype=np.float32).reshape(shape)
    return spaces.Box(low=low, high=high, shape=shape, dtype=np.float32)
