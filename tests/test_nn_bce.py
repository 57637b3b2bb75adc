"""Binary cross-entropy on probabilities: PyTorch's values and gradients, into ``p`` itself.

Issue 12, category 12: ``binary_cross_entropy`` of a sigmoid's output used to reroute through
the sigmoid's input, so the probability node got no gradient, and at p = 0 or 1 its gradient
was orders of magnitude from PyTorch's. PyTorch (float64) is the oracle here, at p = 0 and 1,
at the edges where its gradient switches to ``(p - t) / EPS``, and next to them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tape, Value, detect_anomaly, grad, gradients
from nn import binary_cross_entropy
from nn.bce import EPS, HIGH_EDGE, LOW_EDGE

TARGETS = [0.0, 1.0, 0.3, 0.5]
AROUND = [LOW_EDGE, HIGH_EDGE, 1e-12, 1 - 1e-12]
PROBABILITIES = sorted(
    {0.0, 5e-324, 1e-300, 1e-100, math.exp(-100), 1e-44, 1e-20, 1e-17, 1e-13, 1e-11, 1e-8, 0.1, 0.5}
    | {0.9, 1 - 1e-8, 1 - 1e-11, 1 - 1e-13, 1 - 1e-16, math.nextafter(1.0, 0.0), 1.0}
    | {math.nextafter(x, d) for x in AROUND for d in (0.0, 1.0)}
    | set(AROUND)
)


def torch_bce(p: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's per-element losses and their gradients (float64)."""
    x = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    losses = F.binary_cross_entropy(x, torch.tensor(t, dtype=torch.float64), reduction="none")
    losses.sum().backward()
    return losses.detach().numpy(), x.grad.numpy()


def assert_matches_torch(p: np.ndarray, t: np.ndarray, values: np.ndarray, grads: np.ndarray) -> None:
    """``values`` and ``grads`` (per element) equal PyTorch's, to tolerances chosen as follows.

    Values: a few roundings apart (the logs agree to an ulp; the sums add one or two more).
    Gradients: 1e-12 relative, plus rounding of the size of ``t/p + (1-t)/(1-p)`` (capped at
    1/EPS, as both gradients are): PyTorch divides ``p - t`` by ``p (1 - p)``, ours adds the
    two terms, which cancel when a soft target is close to ``p``.
    """
    expected_values, expected_grads = torch_bce(p, t)
    np.testing.assert_allclose(values, expected_values, rtol=1e-14, atol=0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size = np.minimum(np.nan_to_num(t / p, nan=0.0) + np.nan_to_num((1 - t) / (1 - p), nan=0.0), 1 / EPS)
    tolerance = 1e-12 * np.abs(expected_grads) + 1e-15 * size
    assert np.all(np.abs(grads - expected_grads) <= tolerance), (p, t, grads, expected_grads)


@pytest.mark.parametrize("t", TARGETS)
def test_scalar_values_and_gradients_equal_pytorchs_at_and_near_0_and_1(t):
    for p in PROBABILITIES:
        x = Value(p)
        loss = binary_cross_entropy(x, t, reduction="sum")
        loss.backward()
        assert_matches_torch(np.array([p]), np.array([t]), np.array([loss.data]), np.array([x.grad]))


def _batched(p: np.ndarray, t: np.ndarray) -> None:
    x = Value(p)
    losses = [binary_cross_entropy(x, t, reduction="sum")]
    losses[0].backward()
    expected_values, _ = torch_bce(p, t)
    assert losses[0].data == pytest.approx(expected_values.sum(), rel=1e-13, abs=1e-300)
    single = [binary_cross_entropy(Value(pi), ti).data for pi, ti in zip(p.tolist(), t.tolist())]
    assert_matches_torch(p, t, np.array(single), x.grad)


def test_batched_values_and_gradients_equal_pytorchs():
    _batched(np.array(PROBABILITIES * len(TARGETS)), np.repeat(TARGETS, len(PROBABILITIES)))


@given(
    st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=8),
    st.lists(st.sampled_from([0.0, 1.0]) | st.floats(min_value=0.0, max_value=1.0), min_size=8, max_size=8),
)
def test_any_probabilities_and_targets_equal_pytorchs(ps, ts):
    _batched(np.array(ps), np.array(ts[: len(ps)]))


def test_the_edges_are_where_pytorch_switches_to_eps():
    assert float(np.float32(1e-12)) == EPS
    assert (1 - LOW_EDGE) * LOW_EDGE < EPS <= (1 - (after := math.nextafter(LOW_EDGE, 1))) * after
    assert (1 - HIGH_EDGE) * HIGH_EDGE < EPS <= (1 - (before := math.nextafter(HIGH_EDGE, 0))) * before


def test_the_gradient_reaches_the_probability_node_a_learner_drew():
    """The learner's picture: z -> p = sigmoid(z) -> loss. ``p`` is on the path, with PyTorch's
    gradient dloss/dp, and z's gradient is p's times sigmoid'."""
    z = Value(0.8)
    p = z.sigmoid()
    loss = binary_cross_entropy(p, 1.0)
    (dp,) = gradients(loss, [p])
    zt = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    pt = torch.sigmoid(zt)
    pt.retain_grad()
    F.binary_cross_entropy(pt, torch.tensor(1.0, dtype=torch.float64)).backward()
    assert dp == pytest.approx(pt.grad.item(), rel=1e-14) and dp != 0
    loss.backward()
    assert z.grad == pytest.approx(zt.grad.item(), rel=1e-14)


def test_a_recorded_tape_replays_correctly_across_the_edges():
    x = Value(0.3)
    tape = Tape(binary_cross_entropy(x, 1.0))
    for p in [0.0, 1e-13, LOW_EDGE, 0.5, HIGH_EDGE, 1.0, 0.3]:
        x.data = p
        x.grad = 0.0
        value = tape.forward()
        tape.backward()
        expected_values, expected_grads = torch_bce(np.array([p]), np.array([1.0]))
        assert value == pytest.approx(expected_values[0], rel=1e-14)
        assert x.grad == pytest.approx(expected_grads[0], rel=1e-12)


@pytest.mark.parametrize(("p", "t"), [(0.3, 1.0), (0.7, 0.2), (1e-5, 0.0), (0.999, 1.0)])
def test_the_second_derivative_is_the_derivative_of_pytorchs_gradient(p, t):
    """Inside the edges: t/p^2 + (1-t)/(1-p)^2. (PyTorch's own double backward adds EPS to p
    and 1 - p, so it differs from this by about EPS/p.)"""
    second = grad(grad(lambda v: binary_cross_entropy(v, t)))(p)
    assert second == pytest.approx(t / p**2 + (1 - t) / (1 - p) ** 2, rel=1e-12)


def test_anomaly_mode_raises_no_false_alarm_at_0_and_1():
    """The construction (clamped logs, relu switches, the detaching trick) makes no NaN or
    infinity anywhere, so anomaly mode stays quiet and gives the same numbers."""
    p, t = np.array([0.0, 1.0, 0.0, 1.0, 0.3]), np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    plain = Value(p)
    binary_cross_entropy(plain, t).backward()
    checked = Value(p)
    with detect_anomaly():
        binary_cross_entropy(checked, t).backward()
    assert checked.grad.tolist() == plain.grad.tolist()
