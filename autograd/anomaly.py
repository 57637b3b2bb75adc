"""``detect_anomaly()``: stop at the first NaN or infinity, and say where it was made.

Inside the context every new node remembers where in *your* code it was created (frames in
``autograd/`` and ``nn/`` are skipped). The forward pass raises :class:`AnomalyError` at the
first op whose result is NaN or infinite; ``backward`` (and ``gradients``/``grad``) raise at
the first node whose rule produces a NaN gradient for one of its inputs or an infinite one
for a leaf, and at the first node whose inputs' data changed after it was computed (a stale
graph: rebuild it, or replay it with a ``Tape``). An infinite gradient inside the graph is
let through, because a kink below may select it away: ``sqrt(relu(x))`` at 0 sends ``inf``
into relu and a correct 0 into ``x`` (as in PyTorch, whose anomaly mode checks for NaN);
when it does reach a leaf, the message names the node that made it. The message names the
op, its input values and the line that created the node.

It plugs into the core's :class:`~autograd.value.Hooks` while the context is active: the
backward pass is the normal one, with a check after each node's step. Outside the context
nothing is recorded or checked. The mode is per thread, like grad mode. Gradients flowing
into constants, into values made under ``no_grad`` (which PyTorch sends no gradient), or
into nodes made of those only, are not checked: ``x ** 2`` for a
negative ``x`` gives its exponent a NaN gradient by design (log of a negative base), and in a
Hessian that exponent is ``2 - 1``; it goes nowhere.

Example:
    >>> from autograd import Value, detect_anomaly
    >>> x = Value(0.0)
    >>> with detect_anomaly():
    ...     y = x.sqrt()          # sqrt'(0) is +inf
    ...     y.backward()          # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd.anomaly.AnomalyError: backward: the sqrt node ... gave its input 0 the gradient inf; ...
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd import protocols
from autograd.op_rules import data
from autograd.value import CONSTANT, Hooks, Value

__all__ = [
    "AnomalyError",
    "detect_anomaly",
    "is_anomaly_enabled",
    "creation_site",
    "building_derivatives",
    "check_gradients",
    "check_replayed",
]

_ndarray = np.ndarray
_PACKAGES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_AUTOGRAD_DIR = os.path.join(_PACKAGES, "autograd") + os.sep
_NN_DIR = os.path.join(_PACKAGES, "nn") + os.sep


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a forward value or a gradient under ``detect_anomaly()``."""


class _AnomalyMode(threading.local):
    """Per thread, like grad mode: one thread's ``detect_anomaly()`` never checks another's."""

    enabled = False
    # True while ``gradients(create_graph=True)`` builds derivative graphs: their values are
    # gradients, checked (with a better message) by ``_check_gradients`` instead.
    differentiating = False


_mode = _AnomalyMode()
# The core's hooks are per process: they are installed while at least one thread is in the
# mode, and do nothing in the threads that are not (the normal path pays nothing otherwise).
_users = 0
_users_lock = threading.Lock()


# Where each node was created, only for nodes made while the mode is on. Weak keys: the
# record dies with its node, and nodes carry no extra slot for everyone else.
_SITES: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()
# The inputs' data each node was computed from (arrays copied): a backward step whose inputs
# changed since then would mix old and new numbers (a stale graph), and raises instead.
_INPUTS: weakref.WeakKeyDictionary[Value, tuple[Any, ...]] = weakref.WeakKeyDictionary()
# Values an op made under ``no_grad`` while the mode was on: numbers the graph cannot see, like
# constants (PyTorch computes no gradient for them).
_DETACHED: weakref.WeakSet[Value] = weakref.WeakSet()
# A deep copy or an unpickled graph keeps the mark (a false alarm on the copy otherwise).
protocols.NODE_NOTES["made_under_no_grad"] = (
    lambda node: True if node in _DETACHED else None,
    lambda node, _: _DETACHED.add(node),
)
# Interior nodes that received an infinite gradient (let through), and the node that sent it.
_INFINITE_FROM: weakref.WeakKeyDictionary[Value, Value] = weakref.WeakKeyDictionary()


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return _mode.enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager (and decorator): raise :class:`AnomalyError` at the first NaN/inf.

    Forward values and backward gradients are checked; each node records where it was
    created, so the error can point at the line of your code that made it. It is slow
    (a frame walk per node): use it to hunt a NaN, not for training.
    """
    global _users
    previous = _mode.enabled
    with _users_lock:
        _users += 1
        Hooks.on_new_node, Hooks.after_step = _on_new_node, _after_step
    _mode.enabled = True
    try:
        yield
    finally:
        _mode.enabled = previous
        with _users_lock:
            _users -= 1
            if not _users:
                Hooks.on_new_node = Hooks.after_step = None


@contextlib.contextmanager
def building_derivatives() -> Iterator[None]:
    """While ``gradients(create_graph=True)`` builds derivative graphs: their values are
    gradients, checked (with a better message) by :func:`check_gradients` instead."""
    previous = _mode.differentiating
    _mode.differentiating = True
    try:
        yield
    finally:
        _mode.differentiating = previous


def creation_site(node: Value) -> str:
    """Where ``node`` was created (``"file:line in function"``), if made under ``detect_anomaly()``."""
    return _SITES.get(node, "unknown (created outside detect_anomaly())")


def _user_site() -> str:
    """The first frame outside ``autograd/`` and ``nn/``; the nearest ``nn`` frame as "via"."""
    frame = sys._getframe(1)
    via = ""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_NN_DIR):
            via = via or f" (via {_where(frame)})"
        elif not filename.startswith((_AUTOGRAD_DIR, "<autograd ")):  # our files, our generated code
            return _where(frame) + via
        frame = frame.f_back  # type: ignore[assignment]
    return "unknown" + via


def _where(frame: Any) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _is_finite(x: Any) -> bool:
    x = data(x)
    if type(x) is float:
        return math.isfinite(x)
    return bool(np.all(np.isfinite(x)))


def _show(x: Any) -> str:
    x = data(x)
    if isinstance(x, _ndarray):
        return np.array2string(x, threshold=6, precision=6)
    return repr(x)


def _values(nodes: Sequence[Value]) -> str:
    shown = [_show(p) for p in nodes]
    return "(" + ", ".join(shown) + ("," if len(shown) == 1 else "") + ")"


def _on_new_node(node: Value, op: Any, parents: Sequence[Value]) -> None:
    """The core's ``Hooks.on_new_node`` while the mode is on: record the site, check the value."""
    if not _mode.enabled:  # another thread is in the mode, not this one
        return
    site = _user_site()
    _SITES[node] = site
    if node.op is None:  # an op under no_grad made a plain leaf
        _DETACHED.add(node)
    _INPUTS[node] = _snapshot(parents)
    if not _mode.differentiating and not _is_finite(node.data):
        raise AnomalyError(f"forward: {op} gave {_show(node.data)} from inputs {_values(parents)}, at {site}")


def _after_step(node: Value) -> None:
    """The core's ``Hooks.after_step`` while the mode is on: after ``node``'s step of the
    backward pass, every input must hold a finite gradient. The first step that makes one
    infinite or NaN is the culprit: gradients start finite and steps run in order."""
    if _mode.enabled:
        check_gradients(node, node.grad, [parent.grad for parent in node.parents])


def check_replayed(node: Value) -> None:
    """Called by ``Tape.forward`` while the mode is on, after recomputing ``node``."""
    _INPUTS[node] = _snapshot(node.parents)
    if not _is_finite(node.data):
        raise AnomalyError(
            f"forward (tape replay): {node.op} gave {_show(node.data)} from inputs "
            f"{_values(node.parents)}; the node was created at {creation_site(node)}"
        )


def check_gradients(node: Value, upstream: Any, grads: Sequence[Any]) -> None:
    """Raise :class:`AnomalyError` if one of ``node``'s inputs got a NaN gradient (or, for a
    leaf, an infinite one), or holds other data than ``node`` was computed from (a stale graph)."""
    _check_fresh(node)
    for i, (parent, grad) in enumerate(zip(node.parents, grads, strict=True)):
        if _is_finite(grad) or _detached(parent):
            continue
        if not parent.is_leaf and not _has_nan(grad):  # a kink below may select it away
            _INFINITE_FROM[parent] = node
            continue
        if _made_of_constants(parent):
            continue
        origin = node
        while origin in _INFINITE_FROM:  # up the consumers to where the infinity was made
            origin = _INFINITE_FROM[origin]
        came = (
            ""
            if origin is node
            else f" (the infinity came down from the {origin.op} node created at {creation_site(origin)})"
        )
        raise AnomalyError(
            f"backward: the {node.op} node created at {creation_site(node)} gave its input {i} "
            f"the gradient {_show(grad)}; its inputs were {_values(node.parents)}, its value "
            f"{_show(node.data)}, the upstream gradient {_show(upstream)}{came}"
        )


def _made_of_constants(node: Value) -> bool:
    """True if no leaf but constants (or no_grad values) feeds ``node`` (``b - 1``, the
    exponent in the derivative of ``x ** b``): a gradient reaching it goes nowhere, so a NaN
    there is no anomaly. Walked only when a gradient is not finite."""
    seen, stack = {node}, [node]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return all(_detached(n) for n in seen if n.is_leaf)


def _detached(node: Value) -> bool:
    """A number the graph cannot see: a constant, or a value an op made under ``no_grad``."""
    return node.op is CONSTANT or node in _DETACHED


def _has_nan(x: Any) -> bool:
    x = data(x)
    return math.isnan(x) if type(x) is float else bool(np.any(np.isnan(x)))


def _snapshot(parents: Sequence[Value]) -> tuple[Any, ...]:
    return tuple(p.data.copy() if type(p.data) is _ndarray else p.data for p in parents)


def _check_fresh(node: Value) -> None:
    """Raise if one of ``node``'s inputs holds other data than ``node`` was computed from."""
    before = _INPUTS.get(node)
    if before is None:  # made outside the mode: nothing to compare with
        return
    for i, (parent, old) in enumerate(zip(node.parents, before)):
        new = parent.data
        if new is old or (type(new) is type(old) and np.array_equal(new, old, equal_nan=True)):
            continue
        raise AnomalyError(
            f"backward: input {i} of the {node.op} node created at {creation_site(node)} changed "
            f"after the node was computed ({_show(old)} then, {_show(new)} now): the graph is "
            f"stale. Build it again, or record it with Tape(...) and replay with tape.forward()"
        )
