"""Random expression trees over every op (``expression_trees.py``) against finite differences.

* gradients of random expressions of three variables against central differences;
* second derivatives, by ``grad(grad(f))`` and by ``hessian``, against central differences
  of ``grad`` (and the Hessian is symmetric);
* the same expressions on batched values (1-D arrays) against per-sample evaluation.

A draw is rejected (not failed) when the expression leaves its guarded domain or when a
finite-difference stencil straddles a relu/abs kink (see ``expression_trees``).

Tolerances: ``|analytic - numeric| <= atol + RTOL * |numeric|`` with
``atol = ATOL + ROUNDING * scale / step``: ``scale`` is the largest |intermediate| the
evaluations saw (at most ``LIMIT = 1e4``), and ``ROUNDING * scale`` bounds the rounding error of
the function's value (``ROUNDING`` = 64 ulp: a tree has up to ~30 ops, each adds one rounding
of an intermediate no larger than ``scale``); dividing by the step turns it into the error of
the difference quotient. ``RTOL = 1e-5`` covers truncation (``step**2 / 6 * f'''``) for the
steep but smooth functions the trees make (nested exp/pow within ``LIMIT``). A wrong
derivative rule is off by O(1) relative, far outside.
Batched against per-sample: numpy and ``math`` may differ by an ulp per op, amplified along
the tree; ``1e-9`` relative (as the issue asks) with a floor of ``1e-13 * (1 + scale)`` for
results that cancel to ~0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from expression_trees import (
    VALUE_BACKEND,
    OutOfDomain,
    Trace,
    evaluate,
    example_of_every_kind,
    trees,
)
from hypothesis import given, reject
from hypothesis import strategies as st

from autograd import OPS, Value, grad, gradients, hessian, no_grad, topological_order, value_and_grad

N_VARS = 3
EPS, EPS2 = 1e-6, 1e-5
RTOL, ATOL = 1e-5, 1e-8
ROUNDING = 64 * float(np.finfo(np.float64).eps)
BATCH_RTOL = 1e-9

variables = st.floats(-2, 2, allow_nan=False)


def close(actual: float, expected: float, atol: float, rtol: float = RTOL) -> bool:
    return abs(actual - expected) <= atol + rtol * abs(expected)


def traced(tree: tuple, trace: Trace) -> Any:
    """``tree`` as a function of Values (for grad, hessian, value_and_grad)."""
    return lambda *vs: evaluate(tree, vs, VALUE_BACKEND, trace)


def plain_value(tree: tuple, xs: Sequence[float], trace: Trace) -> float:
    with no_grad():
        out = evaluate(tree, [Value(x) for x in xs], VALUE_BACKEND, trace)
    return float(out.data if isinstance(out, Value) else out)


def shifted(xs: Sequence[float], j: int, h: float) -> list[float]:
    moved = list(xs)
    moved[j] += h
    return moved


def same_kinks(center: Trace, *others: Trace) -> bool:
    return all(other.kinks == center.kinks for other in others)


def test_the_generator_reaches_every_op():
    """A new op must be added to the tree grammar (``expression_trees.py``) as well."""
    seen = set()
    for tree in example_of_every_kind():
        out = evaluate(tree, [Value(0.7), Value(1.3)], VALUE_BACKEND)
        seen |= {node.op for node in topological_order(out)}
    # identity: grad's fresh leaves (every nested grad below); batch_sum: the batched tests;
    # gather: its index is an integer, not a differentiable input (tests/test_selection.py);
    # gate: relu's derivative, made only in derivative graphs (the nested grads below)
    missing = set(OPS) - seen - {"identity", "batch_sum", "gather", "gate"}
    assert not missing, f"expression_trees never produces {sorted(missing)}"


@given(tree=trees(N_VARS), xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS))
def test_gradient_matches_finite_differences(tree, xs):
    center = Trace()
    try:
        value, analytic = value_and_grad(traced(tree, center), argnums=(0, 1, 2))(*xs)
        for j in range(N_VARS):
            up, down = Trace(), Trace()
            numeric = (
                plain_value(tree, shifted(xs, j, EPS), up) - plain_value(tree, shifted(xs, j, -EPS), down)
            ) / (2 * EPS)
            if not same_kinks(center, up, down):
                reject()
            atol = ATOL + ROUNDING * max(center.scale, up.scale, down.scale) / EPS
            assert close(analytic[j], numeric, atol), (
                f"d/dx{j}: analytic {analytic[j]!r}, numeric {numeric!r} (atol {atol:.3g}) at {xs}"
            )
    except OutOfDomain:
        reject()


@given(tree=trees(1), x=variables)
def test_second_derivative_matches_finite_differences_of_grad(tree, x):
    center, up, down = Trace(), Trace(), Trace()
    try:
        second = grad(grad(traced(tree, center)))(x)
        slope_up = grad(traced(tree, up))(x + EPS2)
        slope_down = grad(traced(tree, down))(x - EPS2)
        first = grad(traced(tree, Trace()))(x)
    except OutOfDomain:
        reject()
    if not same_kinks(center, up, down):
        reject()
    numeric = (slope_up - slope_down) / (2 * EPS2)
    atol = ATOL + ROUNDING * max(center.scale, up.scale, down.scale, abs(first)) / EPS2
    assert close(second, numeric, atol), f"analytic {second!r}, numeric {numeric!r} at {x}"
    # the third derivative exists as a graph too (smoke: finite where the second is)
    assert np.isfinite(grad(grad(grad(traced(tree, Trace()))))(x))


@given(tree=trees(N_VARS), xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS))
def test_hessian_matches_finite_differences_of_grad_and_is_symmetric(tree, xs):
    center = Trace()
    try:
        h = np.array(hessian(traced(tree, center))(*xs))
        gradient = value_and_grad(traced(tree, Trace()), argnums=(0, 1, 2))
        columns, traces = [], [center]
        for j in range(N_VARS):
            up, down = Trace(), Trace()
            g_up = np.array(value_and_grad(traced(tree, up), argnums=(0, 1, 2))(*shifted(xs, j, EPS2))[1])
            g_down = np.array(
                value_and_grad(traced(tree, down), argnums=(0, 1, 2))(*shifted(xs, j, -EPS2))[1]
            )
            columns.append((g_up - g_down) / (2 * EPS2))
            traces += [up, down]
        g = np.array(gradient(*xs)[1])
    except OutOfDomain:
        reject()
    if not same_kinks(*traces):
        reject()
    numeric = np.array(columns).T  # numeric[i, j] = d/dx_j of dg_i
    scale = max(max(t.scale for t in traces), float(np.max(np.abs(g))))
    atol = ATOL + ROUNDING * scale / EPS2
    np.testing.assert_allclose(h, numeric, rtol=RTOL, atol=atol)
    np.testing.assert_allclose(h, h.T, rtol=1e-9, atol=ROUNDING * (1 + float(np.max(np.abs(h)))))


@given(data=st.data(), tree=trees(N_VARS), samples=st.integers(1, 4))
def test_batched_expression_matches_per_sample(data, tree, samples):
    """Each variable is a scalar or a batch; a scalar's gradient is the sum over the batch."""
    batched = data.draw(st.lists(st.booleans(), min_size=N_VARS, max_size=N_VARS), label="batched")
    columns = [
        np.array(data.draw(st.lists(variables, min_size=samples, max_size=samples)))
        if b
        else data.draw(variables)
        for b in batched
    ]
    trace = Trace()
    leaves = [Value(c) for c in columns]
    try:
        out = evaluate(tree, leaves, VALUE_BACKEND, trace)
        per_sample = [
            value_and_grad(traced(tree, trace), argnums=(0, 1, 2))(
                *[c[i] if b else c for c, b in zip(columns, batched)]
            )
            for i in range(samples)
        ]
    except OutOfDomain:
        reject()
    if not isinstance(out, Value):
        assert all(v == out for v, _ in per_sample)  # a tree of constants: plain float arithmetic
        return
    is_batch = isinstance(out.data, np.ndarray)
    out.sum().backward()
    atol = 1e-13 * (1 + trace.scale)
    values = np.array([v for v, _ in per_sample])
    np.testing.assert_allclose(np.broadcast_to(out.data, (samples,)), values, rtol=BATCH_RTOL, atol=atol)
    for k, (leaf, b) in enumerate(zip(leaves, batched)):
        grads = np.array([g[k] for _, g in per_sample])
        if b:
            np.testing.assert_allclose(leaf.grad, grads, rtol=BATCH_RTOL, atol=atol, err_msg=f"x{k}")
        else:
            expected = grads.sum() if is_batch else grads[0]
            assert np.isscalar(leaf.grad)
            assert close(leaf.grad, expected, atol * samples, BATCH_RTOL), (
                f"x{k}: {leaf.grad!r} vs {expected!r}"
            )


@given(tree=trees(1), column=st.lists(variables, min_size=1, max_size=4))
def test_batched_second_derivative_matches_per_sample(tree, column):
    trace = Trace()
    x = Value(np.array(column))
    try:
        out = evaluate(tree, [x], VALUE_BACKEND, trace)
        expected = np.array([grad(grad(traced(tree, trace)))(c) for c in column])
    except OutOfDomain:
        reject()
    if not isinstance(out, Value) or not isinstance(out.data, np.ndarray):
        reject()  # constant in x: nothing batched to compare
    (first,) = gradients(out.sum(), [x], create_graph=True)
    second = gradients(first.sum(), [x])[0] if isinstance(first, Value) else 0.0
    np.testing.assert_allclose(
        np.broadcast_to(second, expected.shape), expected, rtol=BATCH_RTOL, atol=1e-13 * (1 + trace.scale)
    )


@pytest.mark.parametrize("tree", example_of_every_kind(), ids=lambda t: t[0])
def test_every_kind_of_node_differentiates(tree):
    """A deterministic floor under the random tests: one node of each kind, at a fixed point."""
    xs = [0.7, 1.3]
    f = traced(tree, Trace())
    _, analytic = value_and_grad(f, argnums=(0, 1))(*xs)
    for j in range(2):
        numeric = (
            plain_value(tree, shifted(xs, j, EPS), Trace()) - plain_value(tree, shifted(xs, j, -EPS), Trace())
        ) / (2 * EPS)
        assert close(analytic[j], numeric, ATOL)
