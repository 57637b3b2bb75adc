"""Numerics at the extremes: the squashing ops stay finite and accurate for |x| up to 1e3.

The reference values come from ``decimal`` (no third-party oracle), with enough digits that
``1 + e**-|x|`` keeps 60 significant digits of the small term.
"""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad

LIMIT = 1e3
EXTREMES = [-LIMIT, -745.0, -709.0, -40.0, -1.0, -1e-300, 0.0, 1e-300, 1.0, 40.0, 709.0, 745.0, LIMIT]
moderate_floats = st.floats(-LIMIT, LIMIT, allow_nan=False, allow_infinity=False)


def _digits(x: float) -> int:
    return 60 + math.ceil(abs(x) / math.log(10))


def _exact_sigmoid(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _digits(x)
        return 1 / (1 + (-Decimal(x)).exp())


def _exact_softplus(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _digits(x)
        return (1 + Decimal(x).exp()).ln()


def _close(computed: float, exact: Decimal, rel: float, floor: float) -> bool:
    """Within ``rel`` relative error, or ``floor`` absolute error for results near zero."""
    return abs(Decimal(computed) - exact) <= Decimal(floor) + Decimal(rel) * abs(exact)


# A correctly rounded float is within 2**-53 ~ 1.1e-16 relative; we allow a few roundings.
REL = 4e-16
# The sigmoid's gradient is out * (1 - out): 1 - out loses everything below ulp(1) ~ 2.2e-16
# when out is near 1, so for large x it is accurate in absolute, not relative, terms.
SIGMOID_GRAD_FLOOR = 2.3e-16


@pytest.mark.parametrize("x", EXTREMES)
def test_sigmoid_value_and_gradient_at_the_extremes(x):
    y = Value(x).sigmoid()
    dy = grad(lambda v: v.sigmoid())(x)
    assert math.isfinite(y.data) and math.isfinite(dy)
    assert 0.0 <= y.data <= 1.0
    assert _close(y.data, _exact_sigmoid(x), REL, 1e-320)
    s = _exact_sigmoid(x)
    assert _close(dy, s * (1 - s), REL, SIGMOID_GRAD_FLOOR)


@pytest.mark.parametrize("x", EXTREMES)
def test_softplus_value_and_gradient_at_the_extremes(x):
    y = Value(x).softplus()
    dy = grad(lambda v: v.softplus())(x)
    assert math.isfinite(y.data) and math.isfinite(dy)
    assert _close(y.data, _exact_softplus(x), REL, 1e-320)
    assert _close(dy, _exact_sigmoid(x), REL, 1e-320)


@given(moderate_floats)
def test_sigmoid_and_softplus_are_accurate_everywhere_in_range(x):
    s, sp = Value(x).sigmoid().data, Value(x).softplus().data
    assert _close(s, _exact_sigmoid(x), REL, 1e-320)
    assert _close(sp, _exact_softplus(x), REL, 1e-320)
    exact = _exact_sigmoid(x)
    assert _close(grad(lambda v: v.sigmoid())(x), exact * (1 - exact), REL, SIGMOID_GRAD_FLOOR)
    assert _close(grad(lambda v: v.softplus())(x), exact, REL, 1e-320)


@given(moderate_floats)
def test_tanh_stays_finite_and_bounded(x):
    y = Value(x).tanh()
    assert -1.0 <= y.data <= 1.0
    dy = grad(lambda v: v.tanh())(x)
    assert 0.0 <= dy <= 1.0


def test_batched_squashing_matches_the_scalar_path_at_the_extremes():
    xs = np.array(EXTREMES)
    for op in ("sigmoid", "softplus", "tanh"):
        batch = Value(xs)
        out = getattr(batch, op)()
        out.sum().backward()
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(batch.grad))
        for i, x in enumerate(EXTREMES):
            scalar = Value(x)
            scalar_out = getattr(scalar, op)()
            scalar_out.backward()
            assert out.data[i] == pytest.approx(scalar_out.data, rel=REL, abs=1e-320)
            assert batch.grad[i] == pytest.approx(scalar.grad, rel=REL, abs=SIGMOID_GRAD_FLOOR)


def test_second_derivatives_stay_finite_at_the_extremes():
    for x in EXTREMES:
        for op in ("sigmoid", "softplus", "tanh"):
            d2 = grad(grad(lambda v, op=op: getattr(v, op)()))(x)
            assert math.isfinite(d2), (op, x)


# --- at the kinks: the documented conventions ------------------------------------------------


def test_values_and_slopes_at_zero():
    assert Value(0.0).sigmoid().data == 0.5
    assert grad(lambda v: v.sigmoid())(0.0) == 0.25
    assert Value(0.0).softplus().data == math.log(2.0)
    assert grad(lambda v: v.softplus())(0.0) == 0.5
    assert grad(lambda v: v.relu())(0.0) == 0.0  # relu'(0) = 0, as in PyTorch
    assert grad(lambda v: v.abs())(0.0) == 0.0  # abs'(0) = sign(0) = 0, as in PyTorch
    assert grad(lambda v: v.sqrt())(0.0) == math.inf  # sqrt'(0) = +inf, as in PyTorch


@pytest.mark.parametrize("eps", [1e-300, 1e-12, 1e-3])
def test_one_sided_slopes_beside_the_kinks(eps):
    assert grad(lambda v: v.relu())(eps) == 1.0
    assert grad(lambda v: v.relu())(-eps) == 0.0
    assert grad(lambda v: v.abs())(eps) == 1.0
    assert grad(lambda v: v.abs())(-eps) == -1.0
