"""Reading what a user feeds a model: one sample or a ``(B, nin)`` batch, checked, as ``Value`` s.

Example:
    >>> import numpy as np
    >>> [v.data for v in as_input_values([1, 2.5], nin=2, who="MLP")]
    [1.0, 2.5]
    >>> [v.data.tolist() for v in as_input_values(np.array([[1, 2], [3, 4]]), nin=2, who="MLP")]
    [[1.0, 3.0], [2.0, 4.0]]
    >>> as_input_values([1.0], nin=2, who="MLP")
    Traceback (most recent call last):
    ...
    ValueError: MLP expects 2 inputs, got 1
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Union

import numpy as np

from autograd import Value

__all__ = ["Inputs", "as_input_values", "finite_number", "finite_array"]

Inputs = Union[Sequence[Any], np.ndarray, Value]


def finite_number(x: Any, what: str) -> float:
    """``x`` as a float; ``TypeError`` if it is not a real number, ``ValueError`` if NaN or infinite."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return float(x)


def finite_array(x: Any, what: str, ndim: int) -> np.ndarray:
    """``x`` as a non-empty float64 array with ``ndim`` dimensions and finite entries (``what`` names it)."""
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a {ndim}-D array of real numbers, got {x!r}") from None
    if array.ndim != ndim or array.size == 0:
        raise ValueError(f"{what} must be a non-empty {ndim}-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return array


def as_input_values(x: Inputs, nin: int, who: str) -> list[Value]:
    """One sample (``nin`` numbers or values) or a ``(B, nin)`` batch, as ``nin`` values."""
    if isinstance(x, Value):
        x = [x]
    if isinstance(x, np.ndarray) or (
        isinstance(x, (list, tuple)) and any(isinstance(item, (list, tuple, np.ndarray)) for item in x)
    ):
        return _array_inputs(x, nin, who)
    if not isinstance(x, Sequence) or isinstance(x, str):
        raise TypeError(
            f"{who} expects a list of {nin} numbers or Values, or an array of shape (batch, {nin}); "
            f"got {type(x).__name__}"
        )
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    values = []
    for i, item in enumerate(x):
        if isinstance(item, Value):
            values.append(item)
        elif type(item) is float and math.isfinite(item):  # the common case, checked cheaply
            values.append(Value(item))
        else:
            values.append(Value(finite_number(item, f"{who} input {i}")))
    return values


def _array_inputs(x: Any, nin: int, who: str) -> list[Value]:
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{who} expects numbers; could not read the input as a numeric array") from None
    if array.ndim == 1:
        if len(array) != nin:
            raise ValueError(f"{who} expects {nin} inputs, got {len(array)}")
    elif array.ndim == 2:
        if array.shape[1] != nin:
            raise ValueError(
                f"{who} expects {nin} inputs, got {array.shape[1]} "
                f"(a batch must have shape (batch, {nin}), got {array.shape})"
            )
        if array.shape[0] == 0:
            raise ValueError(f"{who} got an empty batch (shape {array.shape})")
    else:
        raise ValueError(
            f"{who} expects one sample or a 2-D batch of shape (batch, {nin}), got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{who} inputs must be finite; got NaN or infinity")
    if array.ndim == 1:
        return [Value(float(v)) for v in array]
    return [Value(np.ascontiguousarray(column)) for column in array.T]
