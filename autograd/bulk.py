"""Read and write the data of many values at once: what an optimizer does every step.

Writing ``p.data = x`` checks ``x`` (as ``Value(x)`` does) and stamps ``p`` as changed, so that a
graph built before the write refuses to run backward with the new data. For an optimizer's
thousands of scalar parameters that per-write work costs more than the update itself.
:func:`floats_of` reads the parameters' data into one numpy array (``None`` unless every one is
a plain float), :func:`grads_of` their gradients, and :func:`write_floats` writes an array of
float64 back: the check done once for the whole array, one stamp for all the values.

Example:
    >>> from autograd import Value
    >>> from autograd.bulk import floats_of, write_floats
    >>> params = [Value(1.0), Value(2.0)]
    >>> data = floats_of(params)
    >>> write_floats(params, data - 0.5)
    >>> [p.data for p in params]
    [0.5, 1.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd.value import Value, _Writes

__all__ = ["floats_of", "grads_of", "write_floats"]


def floats_of(values: Sequence[Value]) -> np.ndarray | None:
    """The values' data as a float64 array, or ``None`` if any holds a batch (an array)."""
    data = [v._data for v in values]
    if data and set(map(type, data)) != {float}:
        return None
    return np.fromiter(data, dtype=np.float64, count=len(data))


def grads_of(values: Sequence[Value]) -> np.ndarray | None:
    """The values' gradients as a float64 array, or ``None`` unless each is a plain number
    (a float, or the int a user's ``p.grad = 0`` leaves)."""
    grads = [v.grad for v in values]
    if not set(map(type, grads)) <= {float, int}:
        return None
    return np.fromiter(grads, dtype=np.float64, count=len(grads))


def write_floats(values: Sequence[Value], numbers: np.ndarray) -> None:
    """``v.data = x`` for each value and number, with one check for the whole array.

    Raises:
        ValueError: if ``numbers`` is not one float64 number per value.
    """
    if not isinstance(numbers, np.ndarray) or numbers.dtype != np.float64 or numbers.shape != (len(values),):
        raise ValueError(
            f"write_floats expects a float64 array of {len(values)} numbers, got "
            f"{getattr(numbers, 'dtype', type(numbers).__name__)} of shape {np.shape(numbers)}"
        )
    _Writes.count += 1
    stamp = _Writes.count
    for value, x in zip(values, numbers.tolist()):
        value._data = x
        value._stamp = stamp
