"""``Module``: the base class of everything in ``nn`` that holds parameters.

A module's parameters are found by walking its public attributes in the order they were
set: a ``Value`` is a parameter, a ``Module`` is walked recursively, and a list or tuple is
walked item by item. Names are dotted paths such as ``layers.0.neurons.1.w.0``. A parameter
reachable by two paths (tied weights) is listed once, under the first name, as in PyTorch.

The walk is remembered, so ``parameters()`` and ``zero_grad()`` in a training loop cost a
loop over the parameters, not a walk of the model. The remembered list is used only while the
structure is provably the same: setting or deleting a public attribute of any module forgets
every remembered walk, and each list met on the walk is compared with a copy taken then (one
list comparison in C, which finds the same objects by identity), so ``model.layers.append(...)``
or ``neuron.w[0] = Value(1.0)`` is seen as well.

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
from typing import Any, Union

import numpy as np

from autograd import Value

__all__ = ["Module"]


# Replaced by a new object whenever a public attribute of any module is set or deleted: a
# remembered walk made under another object may be out of date. (An object, not a counter, so
# that a pickled or deep-copied walk never matches by coincidence.)
_structure = object()


def _structure_changed() -> None:
    global _structure
    _structure = object()


class Module:
    """Base class for models: parameter discovery, gradients reset, and state save/restore.

    Subclasses store their parameters as public attributes (``Value``, sub-``Module``, or
    lists/tuples of them) and implement ``__call__``. Attributes whose name starts with ``_``
    are private and never searched for parameters.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            _structure_changed()
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if not name.startswith("_"):
            _structure_changed()
        object.__delattr__(self, name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state.pop("_found_parameters", None)  # a remembered walk is not part of the model
        return state

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Yield ``(dotted_name, parameter)`` pairs in a stable order (attribute set order).

        Each parameter comes once: a tied parameter keeps the first name it is reached by.

        Example:
            >>> from nn import Neuron
            >>> [name for name, _ in Neuron(2, seed=0).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        named = self._found().named
        return iter(named) if not prefix else ((prefix + name, p) for name, p in named)

    def parameters(self) -> list[Value]:
        """All parameters, in the order of :meth:`named_parameters` (a new list each call)."""
        return list(self._found().params)

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self._found().params)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (do it before each ``backward`` when training)."""
        for p in self._found().params:
            p.grad = 0.0

    def _found(self) -> _Found:
        found: _Found | None = vars(self).get("_found_parameters")
        if found is None or not found.is_current():
            found = _find_parameters(self)
            object.__setattr__(self, "_found_parameters", found)
        return found

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


class _Found:
    """The parameters found by one walk of a module, and what is needed to tell if it is current."""

    __slots__ = ("structure", "named", "params", "lists")

    def __init__(self, named: list[tuple[str, Value]], lists: list[tuple[list[Any], list[Any]]]) -> None:
        self.structure = _structure
        self.named = named
        self.params = [p for _, p in named]
        self.lists = lists  # (a list met on the walk, a copy of it then)

    def is_current(self) -> bool:
        if self.structure is not _structure:
            return False
        try:
            # ``!=`` on two lists compares items by identity first; Values compare by identity
            # (and a list nested in a list is compared item by item).
            for current, then in self.lists:
                if current != then:
                    return False
        except Exception:  # an item whose == raises: walk again
            return False
        return True


def _find_parameters(module: Module) -> _Found:
    named: list[tuple[str, Value]] = []
    lists: list[tuple[list[Any], list[Any]]] = []
    _walk(module, "", named, lists, {id(module)})
    return _Found(named, lists)


def _walk(
    item: Union[Module, list[Any], tuple[Any, ...]],
    name: str,
    named: list[tuple[str, Value]],
    lists: list[tuple[list[Any], list[Any]]],
    seen: set[int],
) -> None:
    """Add the parameters under ``item`` to ``named`` and the lists met to ``lists``; ``seen``
    holds the ids of the parameters, modules and containers met so far (ties, cycles).

    (A module-level function, not a closure: a recursive closure is a reference cycle, which
    would keep the model alive until the garbage collector runs.)
    """
    if isinstance(item, Module):
        subitems: Any = ((key, sub) for key, sub in vars(item).items() if not key.startswith("_"))
    else:
        if isinstance(item, list):
            lists.append((item, list(item)))
        subitems = ((str(i), sub) for i, sub in enumerate(item))
    for key, sub in subitems:
        if isinstance(sub, (Value, Module, list, tuple)) and id(sub) not in seen:
            seen.add(id(sub))
            path = f"{name}.{key}" if name else key
            if isinstance(sub, Value):
                named.append((path, sub))
            else:
                _walk(sub, path, named, lists, seen)


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
