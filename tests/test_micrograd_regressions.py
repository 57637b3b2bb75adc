"""micrograd's known failures, and the PyTorch / JAX behaviours our users expect, as regression tests.

micrograd 0.1.0 recurses over the graph (``RecursionError`` past ~1,000 levels: a Python
``sum`` of 1,000 values is enough), double-counts interior gradients on a second
``backward()`` (``a*a*a``: 27, then 72), keeps parents in a set (``a + a`` has one edge) and
takes only number exponents. Each test below pins what chainrule does instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import (
    Value,
    enable_grad,
    grad,
    gradients,
    hessian,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
    value_and_grad,
)

# --- depth: iterative graph order, never recursion -------------------------------------------

DEEPEST_CHAIN = 10**6


def test_a_chain_of_a_million_nodes_backpropagates():
    x, c = Value(1.0), Value(1.0000001)
    y = x
    for _ in range(DEEPEST_CHAIN):
        y = y * c
    y.backward()
    # every one of the 10**6 factors counts: one lost edge would be off by 1e-7 relative
    assert x.grad == pytest.approx(math.exp(DEEPEST_CHAIN * math.log1p(1e-7)), rel=1e-9)
    assert x.grad == y.data  # the same products, in the same order
    # c is used 10**6 times: d(c**n)/dc = n * c**(n - 1)
    assert c.grad == pytest.approx(DEEPEST_CHAIN * y.data / c.data, rel=1e-9)


def test_a_python_sum_of_ten_thousand_values_backpropagates():
    xs = [Value(float(i)) for i in range(10_000)]
    total = sum(xs)  # a chain 10,000 deep (0 + x0 + x1 + ...)
    assert isinstance(total, Value)
    total.backward()
    assert total.data == sum(range(10_000))
    assert all(x.grad == 1.0 for x in xs)
    # the n-ary node does the same sum as one node
    assert len(sum_values(xs).parents) == 10_000


def test_deep_chains_work_through_the_functional_api():
    def f(x: Value) -> Value:
        for _ in range(100_000):
            x = x.sin()
        return x

    value, slope = value_and_grad(f)(0.5)
    # d/dx sin^n(x) = prod cos(sin^k(x)); the same chain with floats
    expected_value, expected_slope = 0.5, 1.0
    for _ in range(100_000):
        expected_slope *= math.cos(expected_value)
        expected_value = math.sin(expected_value)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert slope == pytest.approx(expected_slope, rel=1e-9)


# --- backward twice: leaves accumulate, interior nodes do not ---------------------------------


def test_backward_twice_doubles_a_leaf_gradient():
    a = Value(3.0)
    b = a * a * a
    b.backward()
    assert a.grad == 27.0
    b.backward()
    assert a.grad == 54.0  # micrograd: 72 (the interior a*a node is double-counted)


def test_backward_twice_does_not_double_count_interior_nodes():
    a = Value(3.0)
    square = a * a
    cube = square * a
    cube.backward()
    single_pass = (square.grad, cube.grad)
    assert single_pass == (3.0, 1.0)
    cube.backward()
    assert (square.grad, cube.grad) == single_pass
    assert a.grad == 2 * 27.0


def test_backward_from_an_interior_node_after_the_root():
    a = Value(2.0)
    b = a * a
    c = b.exp()
    c.backward()
    a.grad = 0.0
    b.backward()  # b's own gradient is reseeded, not added to c's contribution
    assert (b.grad, a.grad) == (1.0, 4.0)


def test_gradients_leave_grad_untouched():
    a = Value(3.0)
    b = a * a
    (db,) = gradients(b, [a])
    assert db == 6.0
    assert (a.grad, b.grad) == (0.0, 0.0)


# --- reuse: parents are an ordered tuple ------------------------------------------------------


def test_a_plus_a_has_two_parent_edges_and_gradient_two():
    a = Value(5.0)
    b = a + a
    assert b.parents == (a, a)
    assert [node for node in topological_order(b)] == [a, b]
    b.backward()
    assert a.grad == 2.0


def test_b_equals_a_plus_a_then_c_equals_b_plus_b_gives_four():
    a = Value(-1.5)
    b = a + a
    c = b + b
    c.backward()
    assert (c.data, b.grad, a.grad) == (-6.0, 2.0, 4.0)


def test_a_node_reused_by_different_ops():
    a = Value(2.0)
    b = a * a + a.exp() - 1 / a  # d/da = 2a + e^a + 1/a^2
    b.backward()
    assert a.grad == pytest.approx(4.0 + math.exp(2.0) + 0.25, rel=1e-15)


# --- powers micrograd cannot take ---------------------------------------------------------------


def test_value_to_the_power_of_a_value():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.data == 8.0
    assert a.grad == pytest.approx(12.0, rel=1e-15)  # b * a**(b-1)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)  # a**b * log(a)


def test_number_to_the_power_of_a_value():
    b = Value(3.0)
    c = 2**b
    c.backward()
    assert c.op == "pow"
    assert (c.data, b.grad) == (8.0, pytest.approx(8.0 * math.log(2.0), rel=1e-15))


@pytest.mark.parametrize("x", [0.0, 1.0, -2.0])
def test_x_to_the_zero(x):
    a = Value(x)
    c = a**0
    c.backward()
    assert (c.data, a.grad) == (1.0, 0.0)


# --- no_grad ------------------------------------------------------------------------------------


def test_no_grad_records_no_graph_and_restores_on_exit():
    w = Value(1.0)
    with no_grad():
        assert not is_grad_enabled()
        stepped = w - 0.1 * Value(2.0)
        assert stepped.is_leaf and stepped.op is None
        assert stepped.data == pytest.approx(0.8, rel=1e-15)
    assert is_grad_enabled()
    assert not (w * 2).is_leaf


def test_no_grad_is_restored_when_the_block_raises():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_as_a_decorator_and_enable_grad_inside():
    @no_grad()
    def update(w: Value) -> Value:
        with enable_grad():
            assert not (w * 1).is_leaf
        return w * 0.5

    assert update(Value(4.0)).is_leaf
    assert is_grad_enabled()


def test_parameter_update_under_no_grad_keeps_training_possible():
    w = Value(3.0)
    for _ in range(3):
        loss = (w - 1) ** 2
        w.grad = 0.0
        loss.backward()
        with no_grad():
            w.data -= 0.25 * w.grad
    assert w.data == pytest.approx(1.0 + 2.0 * 0.5**3, rel=1e-15)


# --- higher order -------------------------------------------------------------------------------


def test_third_derivatives():
    assert grad(grad(grad(lambda x: x**4)))(1.5) == pytest.approx(24 * 1.5, rel=1e-14)
    assert grad(grad(grad(lambda x: x.sin())))(0.3) == pytest.approx(-math.cos(0.3), rel=1e-14)
    assert grad(grad(grad(lambda x: x.exp() * x)))(0.7) == pytest.approx(math.exp(0.7) * 3.7, rel=1e-14)


def test_no_perturbation_confusion():
    """d/dx [d/dy (x * y) at y = x] = d/dx x = 1 (an engine that confuses the two x's says 2)."""
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0
    assert grad(lambda x: x * grad(lambda y: x * y)(3.0))(2.0) == 4.0  # d/dx x * x


def test_gradients_with_create_graph_can_be_differentiated_again():
    x = Value(0.5)
    y = x.tanh() * x
    (dy,) = gradients(y, [x], create_graph=True)
    assert isinstance(dy, Value)
    t = math.tanh(0.5)
    assert dy.data == pytest.approx(t + 0.5 * (1 - t * t), rel=1e-15)
    (d2y,) = gradients(dy, [x])
    assert d2y == pytest.approx(2 * (1 - t * t) - 2 * 0.5 * t * (1 - t * t), rel=1e-14)
    dy.backward()  # the derivative graph also works with .backward()
    assert x.grad == pytest.approx(d2y, rel=1e-15)


def test_hessian_of_a_two_argument_function():
    h = hessian(lambda x, y: (x * y).sin())(0.5, 2.0)
    s, c = math.sin(1.0), math.cos(1.0)
    expected = [[-4.0 * s, c - s], [c - s, -0.25 * s]]
    np.testing.assert_allclose(h, expected, rtol=1e-14)


# --- batched values -----------------------------------------------------------------------------


def test_batched_gradient_is_the_sum_of_per_sample_gradients():
    xs = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
    ys = np.array([0.1, -0.4, 0.3, 0.9, -1.0])

    def loss(w: Value, b: Value, x, y) -> Value:
        return ((w * x + b).tanh() - y) ** 2 + (w * x).relu() * b

    w, b = Value(0.8), Value(-0.3)
    batch_loss = loss(w, b, Value(xs), Value(ys)).sum()
    batch_loss.backward()
    per_sample = [value_and_grad(loss, argnums=(0, 1))(0.8, -0.3, x, y) for x, y in zip(xs, ys)]
    assert batch_loss.data == pytest.approx(math.fsum(v for v, _ in per_sample), rel=1e-9)
    assert w.grad == pytest.approx(math.fsum(g[0] for _, g in per_sample), rel=1e-9)
    assert b.grad == pytest.approx(math.fsum(g[1] for _, g in per_sample), rel=1e-9)


def test_batched_leaf_gets_per_sample_gradients_and_a_scalar_parent_the_batch_sum():
    x = Value(np.array([1.0, 2.0, 3.0]))
    w = Value(2.0)
    y = w * x * x
    assert isinstance(y.data, np.ndarray)
    y.backward(np.ones(3))  # seeded with 1 per sample: the gradient of y.sum()
    np.testing.assert_array_equal(x.grad, 2 * 2.0 * x.data)
    assert w.grad == 1.0 + 4.0 + 9.0
    assert isinstance(w.grad, float)


def test_mean_divides_the_batch_gradient():
    x = Value(np.array([1.0, 2.0, 3.0, 4.0]))
    w = Value(0.5)
    (w * x).mean().backward()
    assert w.grad == pytest.approx(2.5, rel=1e-15)
    np.testing.assert_allclose(x.grad, np.full(4, 0.5 / 4), rtol=1e-15)
