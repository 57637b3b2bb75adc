"""Switching graph recording off and on (``no_grad``), per thread, as in PyTorch.

Example:
    >>> from autograd import Value, no_grad
    >>> w = Value(1.0)
    >>> with no_grad():
    ...     w2 = w * 2          # a plain leaf: no graph is recorded
    >>> w2.is_leaf
    True
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]


class _GradMode(threading.local):
    enabled = True  # each thread starts with recording on, whatever another thread does


_mode = _GradMode()


class _Switched:
    off = 0  # how many no_grad() blocks are active, in any thread (the speed layer's fast test)
    lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True when operations on ``Value`` record a graph in this thread (the default)."""
    return _mode.enabled


@contextlib.contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    with _Switched.lock:
        previous, _mode.enabled = _mode.enabled, enabled
        _Switched.off += not enabled
    try:
        yield
    finally:
        with _Switched.lock:
            _mode.enabled = previous
            _Switched.off -= not enabled


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (and decorator): operations inside record no graph (parameter updates,
    evaluation, anything you will not differentiate)."""
    return _set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: record the graph again inside a ``no_grad`` block."""
    return _set_grad_enabled(True)
