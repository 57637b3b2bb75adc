"""autograd.bulk: an optimizer's reads and writes of many values at once."""

import numpy as np
import pytest

from autograd import Value
from autograd.bulk import floats_of, grads_of, write_floats


def test_floats_of_reads_scalars_and_refuses_batches():
    assert floats_of([Value(1.0), Value(2)]).tolist() == [1.0, 2.0]
    assert floats_of([Value(1.0), Value(np.array([1.0, 2.0]))]) is None
    assert floats_of([]).shape == (0,)


def test_grads_of_reads_numbers_and_refuses_batches():
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 0, 1.5  # a user's ``p.grad = 0`` leaves an int
    assert grads_of([a, b]).tolist() == [0.0, 1.5]
    b.grad = np.array([1.0, 2.0])
    assert grads_of([a, b]) is None


def test_write_floats_writes_and_stamps_each_value():
    a, b = Value(1.0), Value(2.0)
    y = a * b
    write_floats([a, b], np.array([3.0, 4.0]))
    assert (a.data, b.data) == (3.0, 4.0) and type(a.data) is float
    with pytest.raises(RuntimeError, match="changed after"):
        y.backward()
    z = a * b  # built after the write: fine
    z.backward()
    assert (a.grad, b.grad) == (4.0, 3.0)


@pytest.mark.parametrize(
    "numbers", [np.array([1.0]), np.array([1, 2]), [1.0, 2.0], np.array([1.0, 2.0], dtype=np.float32)]
)
def test_write_floats_refuses_the_wrong_numbers_and_writes_nothing(numbers):
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="float64 array of 2 numbers"):
        write_floats([a, b], numbers)
    assert (a.data, b.data) == (1.0, 2.0)
