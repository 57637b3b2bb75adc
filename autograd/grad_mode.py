"""Switching graph recording off and on (``no_grad``), as in PyTorch.

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
from collections.abc import Iterator

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True when operations on ``Value`` record a graph (the default)."""
    return _GradMode.enabled


@contextlib.contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    previous = _GradMode.enabled
    _GradMode.enabled = enabled
    try:
        yield
    finally:
        _GradMode.enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (and decorator): operations inside record no graph.

    Use it for parameter updates, evaluation, and anything you will not differentiate.
    """
    return _set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: record the graph again inside a ``no_grad`` block."""
    return _set_grad_enabled(True)
