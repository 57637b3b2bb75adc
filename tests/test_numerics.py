"""Numerics at the extremes: the squashing ops and the losses built on them stay finite and
accurate (values and gradients) for |x| up to 1e3, and follow their conventions at the kinks.

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
from nn import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss

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


# --- the losses built on them (nn): log-sum-exp / softmax and BCE with logits ----------------

logit_lists = st.lists(moderate_floats, min_size=2, max_size=4)


def _spread_digits(z: list[float]) -> int:
    """Digits that keep 60 significant ones of the smallest e**(z_j - max z) next to 1."""
    return 60 + math.ceil((max(z) - min(z)) / math.log(10))


def _exact_softmax(z: list[float]) -> list[Decimal]:
    with localcontext() as ctx:
        ctx.prec = _spread_digits(z)
        top = max(map(Decimal, z))
        e = [(Decimal(v) - top).exp() for v in z]
        total = sum(e)
        return [+(x / total) for x in e]


def _exact_cross_entropy(z: list[float], target: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _spread_digits(z)
        top = max(map(Decimal, z))
        logsumexp = top + sum((Decimal(v) - top).exp() for v in z).ln()
        return +(logsumexp - Decimal(z[target]))


# The losses subtract numbers of size |z| (logsumexp - z_t, softplus(z) - t z), so they are
# accurate to a few ulps of |z| in absolute terms -- the same as PyTorch's formulas.
def _loss_tolerance(z: list[float]) -> float:
    return 4e-16 * (1.0 + max(abs(v) for v in z))


@given(logit_lists, st.data())
def test_cross_entropy_value_and_softmax_gradient_for_logits_up_to_1e3(z, data):
    target = data.draw(st.integers(0, len(z) - 1), label="target")
    logits = [Value(v) for v in z]
    loss = cross_entropy(logits, target)
    loss.backward()
    assert math.isfinite(loss.data) and loss.data >= 0.0
    assert _close(loss.data, _exact_cross_entropy(z, target), 0.0, _loss_tolerance(z))
    softmax = _exact_softmax(z)
    for j, logit in enumerate(logits):
        assert math.isfinite(logit.grad)
        assert _close(logit.grad, softmax[j] - (j == target), 0.0, 4e-16)  # softmax - one-hot


@given(moderate_floats, st.sampled_from([0.0, 1.0, 0.25]))
def test_bce_with_logits_value_and_gradient_for_logits_up_to_1e3(z, t):
    x = Value(z)
    loss = binary_cross_entropy_with_logits(x, t)
    loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(x.grad)
    with localcontext() as ctx:
        ctx.prec = _digits(z)
        exact = (1 + Decimal(z).exp()).ln() - Decimal(t) * Decimal(z)
    assert _close(loss.data, exact, 0.0, _loss_tolerance([z]))
    assert _close(x.grad, _exact_sigmoid(z) - Decimal(t), 0.0, 4e-16)  # sigmoid(z) - t


def test_batched_losses_at_the_extremes_match_the_scalar_ones():
    columns = [np.array([LIMIT, -LIMIT, 0.0, 700.0]), np.array([-LIMIT, LIMIT, 0.0, -700.0])]
    targets = [0, 0, 1, 1]
    batched = [Value(c) for c in columns]
    loss = cross_entropy(batched, targets, reduction="sum")
    loss.backward()
    assert np.all(np.isfinite([b.grad for b in batched]))
    total = 0.0
    for i, t in enumerate(targets):
        scalars = [Value(float(c[i])) for c in columns]
        scalar_loss = cross_entropy(scalars, t)
        scalar_loss.backward()
        total += scalar_loss.data
        for b, s in zip(batched, scalars, strict=True):
            assert b.grad[i] == pytest.approx(s.grad, abs=4e-16)
    assert loss.data == pytest.approx(total, rel=REL, abs=1e-300)


# --- losses at their kinks -------------------------------------------------------------------


def test_losses_at_their_kinks_and_saturation_points():
    # equal logits: uniform softmax, loss log(k), gradient 1/k - one-hot
    z = [Value(3.0), Value(3.0), Value(3.0), Value(3.0)]
    loss = cross_entropy(z, 2)
    loss.backward()
    assert loss.data == pytest.approx(math.log(4), rel=REL)
    assert [v.grad for v in z] == pytest.approx([0.25, 0.25, -0.75, 0.25], abs=4e-16)
    # BCE with logits at z = 0: log 2, gradient 1/2 - t
    x = Value(0.0)
    bce = binary_cross_entropy_with_logits(x, 1.0)
    bce.backward()
    assert (bce.data, x.grad) == (math.log(2), -0.5)
    # hinge at the margin (y * score == 1): relu'(0) = 0, so no push
    s = Value(1.0)
    hinge = hinge_loss(s, 1.0)
    hinge.backward()
    assert (hinge.data, s.grad) == (0.0, 0.0)
    # BCE on probabilities saturated to exactly 0 and 1 (log clamped at -100, as PyTorch)
    for p_value, t in ((0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0)):
        p = Value(p_value)
        loss = binary_cross_entropy(p, t)
        loss.backward()
        assert math.isfinite(loss.data) and math.isfinite(p.grad)
        assert loss.data == (100.0 if p_value != t else 0.0)
    # BCE through a saturated sigmoid is PyTorch's: clamped at 100, and no gradient gets
    # through sigmoid'(-1000) = 0; BCE with logits is the exact path
    logit = Value(-LIMIT)
    through_sigmoid = binary_cross_entropy(logit.sigmoid(), 1.0)
    through_sigmoid.backward()
    assert (through_sigmoid.data, logit.grad) == (100.0, 0.0)
    logit.grad = 0.0
    from_logit = binary_cross_entropy_with_logits(logit, 1.0)
    from_logit.backward()
    assert from_logit.data == pytest.approx(LIMIT, rel=REL) and logit.grad == pytest.approx(-1.0)
