"""``gather`` and ``logsumexp``: values and gradients against PyTorch (float64) and finite
differences, batches, higher orders, bad input, and replays that follow the data.

Tolerances: PyTorch computes logsumexp with its own summation order and libm, so values and
gradients agree to a few ulp: ``rtol=1e-13`` (about 450 ulp of headroom; a wrong rule is off
by O(1)). ``gather`` makes no arithmetic: exact. Finite differences use ``gradcheck``'s
central differences (step 1e-6, ``atol=1e-7``: truncation ~1e-12 times the third derivative,
which the softmax bounds by 1, rounding ~1e-10).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tape, Value, gather, gradcheck, gradients, hessian, logsumexp, no_grad

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
rows = st.lists(finite, min_size=1, max_size=8)


def torch_leaves(xs):
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]


# --- logsumexp -----------------------------------------------------------------------------------


@given(xs=rows)
def test_logsumexp_value_and_gradient_match_pytorch(xs):
    leaves = [Value(x) for x in xs]
    out = logsumexp(leaves)
    out.backward()
    tensors = torch_leaves(xs)
    theirs = torch.logsumexp(torch.stack(tensors), 0)
    theirs.backward()
    assert out.data == pytest.approx(theirs.item(), rel=1e-13, abs=1e-13)
    assert [v.grad for v in leaves] == pytest.approx([t.grad.item() for t in tensors], rel=1e-13, abs=1e-15)


@given(xs=st.lists(st.floats(-5, 5), min_size=1, max_size=4))
def test_logsumexp_second_derivatives_match_pytorch(xs):
    ours = hessian(lambda *v: logsumexp(v))(*xs)
    theirs = torch.autograd.functional.hessian(
        lambda t: torch.logsumexp(t, 0), torch.tensor(xs, dtype=torch.float64)
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-14)


@given(xs=st.lists(st.floats(-5, 5), min_size=1, max_size=5))
def test_logsumexp_gradient_matches_finite_differences(xs):
    assert gradcheck(lambda *v: logsumexp(v), *xs, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_logsumexp_does_not_overflow_and_keeps_special_values():
    assert logsumexp([Value(1000.0), Value(1000.0)]).data == pytest.approx(1000.0 + math.log(2), rel=1e-15)
    low = logsumexp([Value(-1000.0), Value(-1001.0)])
    assert low.data == pytest.approx(-1000.0 + math.log1p(math.exp(-1)), rel=1e-15)
    assert logsumexp([Value(math.inf), Value(3.0)]).data == math.inf
    assert logsumexp([Value(-math.inf), Value(-math.inf)]).data == -math.inf
    assert logsumexp([Value(-math.inf), Value(2.0)]).data == 2.0
    assert math.isnan(logsumexp([Value(math.nan), Value(2.0)]).data)
    assert math.isnan(logsumexp([Value(2.0), Value(math.nan)]).data)
    assert logsumexp([Value(5.0)]).data == 5.0  # one value: itself, exactly


def test_logsumexp_on_a_batch_matches_it_per_sample():
    a, b = np.array([0.5, -2.0, 700.0, -np.inf]), np.array([1.5, 3.0, 700.0, -np.inf])
    leaves = [Value(a), Value(b), Value(0.25)]  # a float stands for every sample
    out = logsumexp(leaves)
    out.sum().backward()
    for s in range(len(a)):
        per = [Value(a[s]), Value(b[s]), Value(0.25)]
        one = logsumexp(per)
        assert out.data[s] == pytest.approx(one.data, rel=1e-15)
        one.backward()
        if s < 3:  # all -inf but one: the softmax of the rest is defined
            assert leaves[0].grad[s] == pytest.approx(per[0].grad, rel=1e-14)
    assert out.data[3] == 0.25  # -inf, -inf and 0.25
    torch_leaves_ = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (a[:3], b[:3])]
    scalar = torch.tensor(0.25, dtype=torch.float64, requires_grad=True)
    stacked = torch.stack([*torch_leaves_, scalar.expand(3)])
    torch.logsumexp(stacked, 0).sum().backward()
    assert leaves[2].grad == pytest.approx(scalar.grad.item() + 1.0, rel=1e-13)  # +1: the last sample's


def test_logsumexp_of_a_softmax_shift_is_recomputed_on_replay():
    logits = [Value(1.0), Value(2.0), Value(3.0)]
    shift = logsumexp(logits)
    probabilities = [(v - shift).exp() for v in logits]
    tape = Tape(probabilities[0] * 1.0)
    logits[0].data, logits[2].data = 800.0, 0.0  # a max read from .data would now overflow exp
    tape.forward()
    assert shift.data == pytest.approx(800.0, rel=1e-15)
    assert probabilities[0].data == pytest.approx(1.0, rel=1e-15)


def test_logsumexp_refuses_bad_input():
    with pytest.raises(ValueError, match="empty"):
        logsumexp([])
    with pytest.raises(TypeError, match=r"values\[1\] must be a Value or a number"):
        logsumexp([Value(1.0), "2"])
    with pytest.raises(TypeError, match="list of Values"):
        logsumexp(Value(1.0))  # type: ignore[arg-type]


# --- gather --------------------------------------------------------------------------------------


@given(xs=rows, data=st.data())
def test_gather_picks_the_value_and_sends_the_gradient_only_there(xs, data):
    k = data.draw(st.integers(0, len(xs) - 1))
    leaves, index = [Value(x) for x in xs], Value(k)
    out = gather(leaves, index) * 3.0
    out.backward()
    tensors = torch_leaves(xs)
    (torch.stack(tensors)[k] * 3.0).backward()
    assert out.data == xs[k] * 3.0
    assert [v.grad for v in leaves] == [t.grad.item() for t in tensors]
    assert index.grad == 0.0


def test_gather_cross_entropy_matches_pytorch():
    xs, target = [0.3, -1.2, 2.5, 0.0], 2
    leaves = [Value(x) for x in xs]
    loss = logsumexp(leaves) - gather(leaves, Value(target))
    loss.backward()
    tensors = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(tensors[None], torch.tensor([target]))
    theirs.backward()
    assert loss.data == pytest.approx(theirs.item(), rel=1e-14)
    assert [v.grad for v in leaves] == pytest.approx(tensors.grad.tolist(), rel=1e-13, abs=1e-16)


def test_gather_with_a_batched_index_picks_per_sample():
    a, b = Value(np.array([1.0, 2.0, 3.0])), Value(10.0)
    index = Value(np.array([1, 0, 1]))
    out = gather([a, b], index)
    assert out.data.tolist() == [10.0, 2.0, 10.0]
    out.backward(seed=np.array([1.0, 2.0, 4.0]))
    assert a.grad.tolist() == [0.0, 2.0, 0.0]
    assert b.grad == 5.0  # a scalar's share summed over the samples that chose it
    assert index.grad.tolist() == [0.0, 0.0, 0.0]


def test_gather_inside_a_derivative_differentiates_again():
    x, y = Value(1.5), Value(-0.5)
    (dx, dy) = gradients(gather([x * x, x * y], Value(1)) * y, [x, y], create_graph=True)
    assert (dx.data, dy.data) == (y.data**2, 2 * x.data * y.data)  # d/dx = y^2, d/dy = 2xy
    second = gradients(dy, [x, y])
    assert second == [2 * y.data, 2 * x.data]


def test_gather_refuses_bad_indices_and_empty_lists():
    row = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="integer"):
        gather(row, Value(0.5))
    with pytest.raises(ValueError, match="integer"):
        gather(row, Value(math.nan))
    with pytest.raises(IndexError, match=r"out of range for 2 values \(0 to 1\)"):
        gather(row, Value(2))
    with pytest.raises(IndexError, match="out of range"):
        gather(row, -1)
    with pytest.raises(IndexError, match="out of range"):
        gather(row, Value(np.array([0.0, 5.0])))
    with pytest.raises(ValueError, match="integers"):
        gather(row, Value(np.array([0.0, 0.5])))
    with pytest.raises(ValueError, match="empty"):
        gather([], Value(0))
    with pytest.raises(TypeError, match="must be a Value or a number"):
        gather(row, "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of Values"):
        gather(Value(1.0), 0)  # type: ignore[arg-type]


def test_a_replay_follows_a_new_index_and_refuses_a_bad_one():
    row = [Value(1.0), Value(2.0), Value(3.0)]
    index = Value(0)
    out = gather(row, index) * 2.0
    tape = Tape(out, straight_line=True)
    index.data = 2.0
    assert tape.forward() == 6.0
    tape.backward()
    assert [v.grad for v in row] == [0.0, 0.0, 2.0]
    index.data = 3.0
    with pytest.raises(IndexError, match="out of range"):
        tape.forward()


def test_gather_and_logsumexp_under_no_grad_make_plain_values():
    with no_grad():
        out = logsumexp([Value(0.0), Value(0.0)]) + gather([Value(4.0)], 0)
    assert out.is_leaf and out.data == pytest.approx(4.0 + math.log(2))


def test_batches_of_different_sizes_are_refused_by_name():
    two, three = Value(np.array([0.0, 1.0])), Value(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="logsumexp: batched values of different sizes meet"):
        logsumexp([two, three])
    with pytest.raises(ValueError, match="gather: batched values of different sizes meet"):
        gather([three, 1.0], Value(np.array([0.0, 1.0])))
