"""``Module``: the base class of everything in ``nn`` that holds parameters.

A module's parameters are found by walking its public attributes in the order they were
set: a ``Value`` is a parameter, a ``Module`` is walked recursively, and a list or tuple is
walked item by item. Names are dotted paths such as ``layers.0.neurons.1.w.0``.

Example:
    >>> from nn import MLP
    >>> model = MLP(2, [3, 1], seed=0)
    >>> [name for name, _ in model.named_parameters()][:4]
    ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b', 'layers.0.neurons.1.w.0']
    >>> state = model.state_dict()
    >>> len(state)
    13
    >>> model.load_state_dict(state)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from autograd import Value

__all__ = ["Module"]


class Module:
    """Base class for models: parameter discovery, gradients reset, and state save/restore.

    Subclasses store their parameters as public attributes (``Value``, sub-``Module``, or
    lists/tuples of them) and implement ``__call__``. Attributes whose name starts with ``_``
    are private and never searched for parameters.
    """

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Yield ``(dotted_name, parameter)`` pairs in a stable order (attribute set order).

        Example:
            >>> from nn import Neuron
            >>> [name for name, _ in Neuron(2, seed=0).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        for name, item in vars(self).items():
            if not name.startswith("_"):
                yield from _walk(item, prefix + name)

    def parameters(self) -> list[Value]:
        """All parameters, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return sum(1 for _ in self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (do it before each ``backward`` when training)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters as ``{dotted_name: float}``, in parameter order.

        Example:
            >>> from nn import Neuron
            >>> Neuron.from_weights([0.5, -1.0], bias=0.25).state_dict()
            {'w.0': 0.5, 'w.1': -1.0, 'b': 0.25}
        """
        return {name: float(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state`` (as made by :meth:`state_dict`).

        The whole of ``state`` is checked first -- same names as the model, nothing missing or
        extra, every value a finite real number -- and the model is changed only if all of it
        is valid; gradients are left as they are.

        Raises:
            TypeError: if ``state`` is not a mapping or a value is not a real number.
            ValueError: if names are missing or unexpected, or a value is NaN or infinite.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict expects a mapping of name -> number, got {type(state).__name__}"
            )
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [str(name) for name in state if name not in params]
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: the state does not match {type(self).__name__} "
                f"({len(params)} parameters, state has {len(state)} entries); "
                f"missing: {_names(missing)}; unexpected: {_names(unexpected)}"
            )
        new_values = {name: _checked_number(name, state[name]) for name in params}
        for name, p in params.items():
            p.data = new_values[name]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"


def _walk(item: Any, name: str) -> Iterator[tuple[str, Value]]:
    if isinstance(item, Value):
        yield name, item
    elif isinstance(item, Module):
        yield from item.named_parameters(name + ".")
    elif isinstance(item, (list, tuple)):
        for i, sub in enumerate(item):
            yield from _walk(sub, f"{name}.{i}")


def _names(names: list[str], limit: int = 5) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _checked_number(name: str, value: Any) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"load_state_dict: {name} must be a real number, got {type(value).__name__}: {value!r}"
        )
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"load_state_dict: {name} must be finite, got {number}")
    return number
