"""Every op in ``autograd.OPS``: forward against a reference, gradient against finite differences.

The property tests are generated from the op table: ``CASES`` holds, for each op, its public
spelling (``a + b``, ``x.tanh()`` ...), a domain strategy per input (away from kinks and poles)
and a reference forward written with ``math``. Registering an op without adding a case here
(or a line in ``TESTED_SEPARATELY``) makes ``test_every_registered_op_has_a_case`` and the
op's own parametrised tests fail.

Tolerances (all float64): a check passes when ``|analytic - numeric| <= atol + RTOL * |numeric|``.

* First derivatives: central differences with step ``EPS = 1e-6``. Truncation error is
  ``EPS**2 / 6 * |f'''|``: at most ~1e-5 on our domains (``d/da 0.1 ** -3``, f''' ~ 6e7) where
  the gradient is ~3e4, so ``RTOL = 1e-6`` leaves a factor ~100. Rounding: ``f(x +- EPS)`` are
  each rounded by ~``eps_machine * |f|``, an error ``eps_machine * |f| / EPS`` in the quotient,
  so ``atol = ATOL + ROUNDING * |f| / EPS`` (``ROUNDING``: 10 ulp) with ``ATOL = 1e-8`` for
  gradients near zero. A wrong rule (a lost factor, a sign) is off by O(1).
* Second derivatives: central differences of the analytic gradient ``g`` with ``EPS2 = 1e-5``
  (~``eps_machine ** (1/3)``, the optimum), ``atol = ATOL + ROUNDING * |g| / EPS2``, same RTOL.
* Batched against per-sample: the same arithmetic in numpy and ``math``; they may differ by
  an ulp per op, so ``BATCH_RTOL = 1e-12``. Rules that subtract numbers near 1 (tanh' =
  1 - out**2, sigmoid' = out * (1 - out)) turn that ulp into an absolute error of a few
  ulp of 1 (2.2e-16 each), hence the floor ``BATCH_ATOL = 1e-15``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    OPS,
    Value,
    dot,
    gradcheck,
    gradients,
    hessian,
    logsumexp,
    numeric_grad,
    sum_values,
    value_and_grad,
)
from autograd.op_rules import gate as gate_rule

EPS, EPS2 = 1e-6, 1e-5
RTOL, ATOL = 1e-6, 1e-8
ROUNDING = 10 * float(np.finfo(np.float64).eps)
BATCH_RTOL, BATCH_ATOL = 1e-12, 1e-15


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(limit: float, gap: float = 1e-3) -> st.SearchStrategy[float]:
    """|x| in [gap, limit]: keeps a finite-difference stencil (width 2e-5) off a kink at 0."""
    return floats(gap, limit) | floats(-limit, -gap)


@dataclass(frozen=True)
class OpCase:
    call: Callable[..., Value]  # the op as users spell it
    domains: tuple[st.SearchStrategy[float], ...]  # one per input
    reference: Callable[..., float]  # the forward, written independently with math


def _sigmoid_reference(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


CASES: dict[str, OpCase] = {
    "add": OpCase(lambda a, b: a + b, (floats(-10, 10), floats(-10, 10)), lambda a, b: a + b),
    "sub": OpCase(lambda a, b: a - b, (floats(-10, 10), floats(-10, 10)), lambda a, b: a - b),
    "mul": OpCase(lambda a, b: a * b, (floats(-10, 10), floats(-10, 10)), lambda a, b: a * b),
    # pole at b == 0
    "div": OpCase(lambda a, b: a / b, (floats(-10, 10), away_from_zero(10, 0.1)), lambda a, b: a / b),
    "neg": OpCase(lambda a: -a, (floats(-10, 10),), lambda a: -a),
    # Value exponent, positive base (negative bases: test_pow_negative_base_integer_exponent)
    "pow": OpCase(lambda a, b: a**b, (floats(0.1, 5), floats(-3, 3)), math.pow),
    "exp": OpCase(lambda a: a.exp(), (floats(-10, 10),), math.exp),
    "log": OpCase(lambda a: a.log(), (floats(1e-2, 1e3),), math.log),
    "sqrt": OpCase(lambda a: a.sqrt(), (floats(1e-2, 1e2),), math.sqrt),
    "softplus": OpCase(lambda a: a.softplus(), (floats(-30, 30),), lambda a: math.log1p(math.exp(a))),
    "tanh": OpCase(lambda a: a.tanh(), (floats(-20, 20),), math.tanh),
    "sigmoid": OpCase(lambda a: a.sigmoid(), (floats(-30, 30),), _sigmoid_reference),
    "sin": OpCase(lambda a: a.sin(), (floats(-10, 10),), math.sin),
    "cos": OpCase(lambda a: a.cos(), (floats(-10, 10),), math.cos),
    # kinks at 0: explicit tests below
    "relu": OpCase(lambda a: a.relu(), (away_from_zero(10),), lambda a: max(a, 0.0)),
    "abs": OpCase(lambda a: abs(a), (away_from_zero(10),), abs),
    # n-ary, here with three inputs (more: tests/test_selection.py)
    "logsumexp": OpCase(
        lambda a, b, c: logsumexp([a, b, c]),
        (floats(-30, 30), floats(-30, 30), floats(-30, 30)),
        lambda *xs: float(sum(Decimal(x).exp() for x in xs).ln()),  # 28 digits: no cancellation
    ),
    # relu's derivative g where a > 0, else 0: gate(g, a) (the kink at a = 0: test_relu_*)
    "gate": OpCase(
        lambda g, a: gate_rule(g, a, OPS["gate"]),
        (floats(-10, 10), away_from_zero(10)),
        lambda g, a: g if a > 0 else 0.0,
    ),
}

TESTED_SEPARATELY = {
    "identity": "internal: the fresh leaf grad() makes for a traced Value; every nested grad uses it",
    "sum": "n-ary: test_sum_values_* below",
    "dot": "n-ary: test_dot_* below",
    "gather": "its index is an integer, not a differentiable input: tests/test_selection.py",
    "batch_sum": "reduces a batch to a scalar: test_batch_sum_* below",
}

OP_NAMES = sorted(set(OPS) - set(TESTED_SEPARATELY))


def case_for(name: str) -> OpCase:
    if name not in CASES:
        pytest.fail(
            f"op {name!r} is registered in autograd.OPS but has no test case: add its public "
            f"spelling, domain and reference to CASES in {__file__}"
        )
    return CASES[name]


def draw_inputs(data: st.DataObject, case: OpCase) -> list[float]:
    return [data.draw(domain, label=f"x{i}") for i, domain in enumerate(case.domains)]


def close(actual: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return abs(actual - expected) <= atol + rtol * abs(expected)


def check_gradient(f: Callable[..., Value], xs: list[float]) -> None:
    """``gradcheck`` with the absolute tolerance widened by the rounding error of ``f``'s value."""
    scale = abs(f(*[Value(x) for x in xs]).data)
    assert gradcheck(f, *xs, eps=EPS, atol=ATOL + ROUNDING * scale / EPS, rtol=RTOL)


def check_second_derivatives(f: Callable[..., Value], xs: list[float]) -> None:
    """``hessian(f)`` against central differences of the analytic gradient, column by column."""
    argnums = tuple(range(len(xs)))
    h = hessian(f)(*xs)
    gradient = value_and_grad(f, argnums=argnums)
    atol = ATOL + ROUNDING * max(abs(g) for g in gradient(*xs)[1]) / EPS2
    for j in argnums:
        up, down = list(xs), list(xs)
        up[j] += EPS2
        down[j] -= EPS2
        column = [(u - d) / (2 * EPS2) for u, d in zip(gradient(*up)[1], gradient(*down)[1])]
        for i in argnums:
            assert close(h[i][j], column[i], atol=atol), (
                f"d2/dx{i}dx{j}: analytic {h[i][j]!r}, numeric {column[i]!r} at {xs}"
            )


def test_every_registered_op_has_a_case():
    missing = set(OPS) - set(CASES) - set(TESTED_SEPARATELY)
    assert not missing, f"ops without a gradient test case: {sorted(missing)} (add them to CASES)"
    stale = (set(CASES) | set(TESTED_SEPARATELY)) - set(OPS)
    assert not stale, f"test cases for ops that are not registered: {sorted(stale)}"


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_forward_matches_reference_and_records_the_op(name, data):
    case = case_for(name)
    xs = draw_inputs(data, case)
    leaves = [Value(x) for x in xs]
    out = case.call(*leaves)
    assert out.op == name
    assert out.parents == tuple(leaves)
    assert out.data == pytest.approx(case.reference(*xs), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_gradient_matches_finite_differences(name, data):
    case = case_for(name)
    xs = draw_inputs(data, case)
    check_gradient(case.call, xs)
    # backward() fills the same numbers into .grad
    leaves = [Value(x) for x in xs]
    case.call(*leaves).backward()
    _, analytic = value_and_grad(case.call, argnums=tuple(range(len(xs))))(*xs)
    assert [leaf.grad for leaf in leaves] == list(analytic)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_second_derivatives_match_finite_differences_of_grad(name, data):
    case = case_for(name)
    check_second_derivatives(case.call, draw_inputs(data, case))


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_op_on_a_batch_matches_the_op_per_sample(name, data):
    """Batched inputs (1-D arrays) act elementwise; a scalar input gets the batch-summed gradient."""
    case = case_for(name)
    n = data.draw(st.integers(1, 4), label="samples")
    batched = data.draw(
        st.lists(st.booleans(), min_size=len(case.domains), max_size=len(case.domains)).filter(any),
        label="batched",
    )
    columns = [
        np.array(data.draw(st.lists(domain, min_size=n, max_size=n))) if is_batched else data.draw(domain)
        for domain, is_batched in zip(case.domains, batched)
    ]
    leaves = [Value(c) for c in columns]
    out = case.call(*leaves)
    out.sum().backward()

    argnums = tuple(range(len(columns)))
    per_sample = [
        value_and_grad(case.call, argnums)(*[c[i] if b else c for c, b in zip(columns, batched)])
        for i in range(n)
    ]
    np.testing.assert_allclose(out.data, [v for v, _ in per_sample], rtol=BATCH_RTOL, atol=BATCH_ATOL)
    for k, (leaf, is_batched) in enumerate(zip(leaves, batched)):
        grads = np.array([g[k] for _, g in per_sample])
        if is_batched:
            np.testing.assert_allclose(leaf.grad, grads, rtol=BATCH_RTOL, atol=BATCH_ATOL)
        else:  # summation order may differ: scale the floor by the terms summed
            assert isinstance(leaf.grad, float)
            assert close(
                leaf.grad, float(grads.sum()), BATCH_RTOL, BATCH_ATOL * float(np.abs(grads).sum() + 1)
            )


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_second_derivatives_on_a_batch_match_per_sample(name, data):
    """Higher order on batched values: the derivative graph keeps its per-sample inputs."""
    case = case_for(name)
    n = data.draw(st.integers(1, 4), label="samples")
    columns = [np.array(data.draw(st.lists(d, min_size=n, max_size=n))) for d in case.domains]
    leaves = [Value(c) for c in columns]
    first = gradients(case.call(*leaves).sum(), leaves, create_graph=True)
    per_sample = [hessian(case.call)(*[c[s] for c in columns]) for s in range(n)]
    for i, g in enumerate(first):
        row = gradients(g.sum(), leaves) if isinstance(g, Value) else [0.0] * len(leaves)
        for j, second in enumerate(row):
            expected = [h[i][j] for h in per_sample]
            np.testing.assert_allclose(
                np.broadcast_to(second, (n,)),
                expected,
                rtol=BATCH_RTOL,
                atol=BATCH_ATOL,
                err_msg=f"d2/dx{i}dx{j}",
            )


# --- pow beyond the positive-base case ------------------------------------------------------


@given(a=floats(-5, -0.1), k=st.integers(-3, 3))
def test_pow_negative_base_integer_exponent(a, k):
    """A negative base is fine with an integer exponent; no nan reaches the base's gradient."""
    check_gradient(lambda x: x**k, [a])
    check_second_derivatives(lambda x: x**k, [a])


def test_pow_value_exponent_negative_base():
    """(-2) ** b: fine at an integer b; d/db = out * log(a) is undefined (nan) for a < 0."""
    a, b = Value(-2.0), Value(3.0)
    out = a**b
    out.backward()
    assert out.data == -8.0
    assert a.grad == 12.0  # b * a ** (b - 1)
    assert math.isnan(b.grad)
    with pytest.raises(ValueError, match=r"pow: negative base with a non-integer exponent"):
        Value(-2.0) ** Value(0.5)


def test_number_to_the_power_of_a_value():
    (d,) = [value_and_grad(lambda b: 2.0**b)(3.0)[1]]
    assert d == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
    assert gradcheck(lambda b: 2.0**b, 3.0)


# --- explicit tests at the kinks ------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    assert value_and_grad(lambda x: x.relu())(0.0) == (0.0, 0.0)
    assert value_and_grad(lambda x: x.relu())(-0.0) == (0.0, 0.0)


def test_abs_derivative_at_zero_is_zero():
    x = Value(0.0)
    y = abs(x)
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    assert value_and_grad(lambda x: x.abs())(0.0) == (0.0, 0.0)


def test_kinks_have_the_one_sided_slopes_next_to_zero():
    tiny = 5e-324
    assert value_and_grad(lambda x: x.relu())(tiny)[1] == 1.0
    assert value_and_grad(lambda x: x.relu())(-tiny)[1] == 0.0
    assert value_and_grad(abs)(tiny)[1] == 1.0
    assert value_and_grad(abs)(-tiny)[1] == -1.0


def test_sqrt_derivative_at_zero_is_infinite():
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert (y.data, x.grad) == (0.0, math.inf)
    assert value_and_grad(lambda x: x.sqrt())(0.0) == (0.0, math.inf)
    batch = Value(np.array([0.0, 4.0]))
    batch.sqrt().sum().backward()
    np.testing.assert_array_equal(batch.grad, [math.inf, 0.25])


@pytest.mark.parametrize("x", [0.0, -0.0, 2.5, -3.0])
def test_x_to_the_zero_is_one_with_zero_derivative(x):
    assert value_and_grad(lambda v: v**0)(x) == (1.0, 0.0)
    assert value_and_grad(lambda v: v ** Value(0.0))(x) == (1.0, 0.0)
    assert grad_grad(lambda v: v**0, x) == 0.0


def grad_grad(f: Callable[[Value], Value], x: float) -> float:
    return hessian(f)(x)[0][0]


@pytest.mark.parametrize(
    "b, d_da",
    [(0.5, math.inf), (1.0, 1.0), (2.0, 0.0), (3.0, 0.0)],
)
def test_zero_to_a_positive_power(b, d_da):
    """0 ** b = 0 for b > 0; d/da = b * 0 ** (b - 1); d/db is the limit 0 of 0 ** b * log(0)."""
    a, e = Value(0.0), Value(b)
    out = a**e
    out.backward()
    assert out.data == 0.0
    assert a.grad == d_da
    assert e.grad == 0.0


def test_pow_mixed_second_derivative_at_zero_exponent():
    """d2/da db a**b = a**(b-1) * (1 + b log a): 1/a at b == 0; the Hessian is symmetric."""
    h = hessian(lambda a, b: a**b)(2.0, 0.0)
    assert h[0][1] == pytest.approx(0.5, rel=1e-15)
    assert h[1][0] == pytest.approx(0.5, rel=1e-15)
    assert h[1][1] == pytest.approx(math.log(2.0) ** 2, rel=1e-15)


# --- n-ary ops --------------------------------------------------------------------------------


@given(xs=st.lists(floats(-10, 10), min_size=1, max_size=8))
def test_sum_values_is_one_node_with_unit_gradients(xs):
    leaves = [Value(x) for x in xs]
    total = sum_values(leaves)
    assert total.op == "sum"
    assert total.parents == tuple(leaves)
    assert total.data == pytest.approx(math.fsum(xs), rel=1e-12, abs=1e-12)
    total.backward()
    assert [leaf.grad for leaf in leaves] == [1.0] * len(xs)
    check_gradient(lambda *vs: sum_values(vs), xs)


@given(xs=st.lists(floats(-3, 3), min_size=1, max_size=4))
def test_sum_values_second_derivatives(xs):
    f = lambda *vs: sum_values([v * v * v for v in vs] + [vs[0] * vs[-1]])  # noqa: E731
    h = hessian(f)(*xs)
    expected = np.diag([6.0 * x for x in xs])
    expected[0][-1] += 1.0
    expected[-1][0] += 1.0
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-12)


@given(data=st.data(), n=st.integers(1, 5), with_bias=st.booleans())
def test_dot_gradient_matches_finite_differences(data, n, with_bias):
    xs = data.draw(st.lists(floats(-10, 10), min_size=2 * n + with_bias, max_size=2 * n + with_bias))

    def f(*vs: Value) -> Value:
        return dot(vs[:n], vs[n : 2 * n], bias=vs[2 * n] if with_bias else None)

    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    assert out.op == "dot"
    assert out.parents == tuple(leaves)
    expected = math.fsum(w * x for w, x in zip(xs[:n], xs[n : 2 * n])) + (xs[-1] if with_bias else 0.0)
    assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    check_gradient(f, xs)
    out.backward()
    assert [leaf.grad for leaf in leaves] == xs[n : 2 * n] + xs[:n] + [1.0] * with_bias


@given(data=st.data(), n=st.integers(1, 4))
def test_dot_second_derivatives(data, n):
    """d2/dw_i dx_i = 1, every other second derivative is 0."""
    xs = data.draw(st.lists(floats(-10, 10), min_size=2 * n + 1, max_size=2 * n + 1))
    h = np.array(hessian(lambda *vs: dot(vs[:n], vs[n : 2 * n], bias=vs[2 * n]))(*xs))
    expected = np.zeros((2 * n + 1, 2 * n + 1))
    for i in range(n):
        expected[i, n + i] = expected[n + i, i] = 1.0
    np.testing.assert_array_equal(h, expected)


def test_nary_ops_accept_plain_numbers():
    x = Value(2.0)
    assert sum_values([x, 3, 4.5]).data == 9.5
    y = dot([x, 0.5], [3.0, x], bias=1)
    y.backward()
    assert (y.data, x.grad) == (8.0, 3.5)


@given(data=st.data(), n=st.integers(1, 4), samples=st.integers(1, 4))
def test_dot_and_sum_on_a_batch_match_per_sample(data, n, samples):
    """A neuron applied to a batch: weights are scalars, inputs carry one value per sample."""
    weights = data.draw(st.lists(floats(-3, 3), min_size=n, max_size=n))
    inputs = [
        np.array(data.draw(st.lists(floats(-3, 3), min_size=samples, max_size=samples))) for _ in range(n)
    ]
    w, x = [Value(v) for v in weights], [Value(c) for c in inputs]
    out = sum_values([dot(w, x, bias=0.5), x[0]])
    out.sum().backward()
    np.testing.assert_allclose(
        out.data, sum(wi * xi for wi, xi in zip(weights, inputs)) + 0.5 + inputs[0], rtol=1e-12
    )
    for wi, xi in zip(w, inputs):
        assert wi.grad == pytest.approx(float(xi.sum()), rel=1e-12, abs=1e-12)
    for k, xi in enumerate(x):
        np.testing.assert_allclose(xi.grad, np.full(samples, weights[k] + (k == 0)), rtol=1e-12)


# --- batch_sum --------------------------------------------------------------------------------


@given(xs=st.lists(floats(-10, 10), min_size=1, max_size=6))
def test_batch_sum_value_and_gradient(xs):
    batch = Value(np.array(xs))
    total = batch.sum()
    assert total.op == "batch_sum"
    assert isinstance(total.data, float)
    assert total.data == pytest.approx(math.fsum(xs), rel=1e-12, abs=1e-12)
    total.backward()
    np.testing.assert_array_equal(batch.grad, np.ones(len(xs)))
    # finite differences, one sample at a time
    numeric = numeric_grad(lambda *vs: Value(np.array([v.data for v in vs])).sum(), *xs, eps=EPS)
    atol = ATOL + ROUNDING * abs(total.data) / EPS
    np.testing.assert_allclose(batch.grad, numeric, rtol=RTOL, atol=atol)


@given(xs=st.lists(floats(-3, 3), min_size=1, max_size=6))
def test_batch_sum_second_derivatives(xs):
    """mean(x ** 3): first derivative 3 x**2 / n per sample, second 6 x / n."""
    batch = Value(np.array(xs))
    (first,) = gradients((batch**3).mean(), [batch], create_graph=True)
    np.testing.assert_allclose(first.data, 3 * np.array(xs) ** 2 / len(xs), rtol=1e-12, atol=1e-300)
    (second,) = gradients(first.sum(), [batch])
    np.testing.assert_allclose(second, 6 * np.array(xs) / len(xs), rtol=1e-12, atol=1e-300)


# --- numerically stable squashing -------------------------------------------------------------


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
@given(x=floats(-1e3, 1e3))
def test_sigmoid_and_softplus_are_finite_up_to_1e3(name, x):
    value, slope = value_and_grad(lambda v: getattr(v, name)())(x)
    assert math.isfinite(value) and math.isfinite(slope)
    assert 0.0 <= slope <= 1.0
    if name == "sigmoid":
        assert 0.0 <= value <= 1.0
    else:
        assert value >= max(x, 0.0)


@pytest.mark.parametrize("x", [-1e3, -745.0, -40.0, 40.0, 745.0, 1e3])
def test_sigmoid_and_softplus_saturate_cleanly(x):
    sigmoid, sigmoid_slope = value_and_grad(lambda v: v.sigmoid())(x)
    softplus, softplus_slope = value_and_grad(lambda v: v.softplus())(x)
    if x > 0:
        assert (sigmoid, sigmoid_slope, softplus_slope) == (1.0, 0.0, 1.0)
        assert softplus == x
    else:  # e**x, down to (and past) the smallest subnormal
        for result in (sigmoid, sigmoid_slope, softplus, softplus_slope):
            assert 0.0 <= result <= 1e-17
