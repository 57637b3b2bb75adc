"""Optimizers: hand-computed updates, PyTorch's Adam and SGD as witnesses, schedules, bad input."""

import math

import numpy as np
import pytest
import torch

from autograd import Value, is_grad_enabled
from nn import MLP, SGD, Adam, Optimizer


def test_sgd_plain_step():
    a, b = Value(1.0), Value(-2.0)
    a.grad, b.grad = 0.5, -4.0
    SGD([a, b], lr=0.1).step()
    assert (a.data, b.data) == pytest.approx((0.95, -1.6), abs=1e-15)


def test_sgd_momentum_and_weight_decay_by_hand():
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    # step 1: g = 2 + 0.5*1 = 2.5, buf = 2.5, w = 1 - 0.25 = 0.75
    w.grad = 2.0
    opt.step()
    assert w.data == pytest.approx(0.75, abs=1e-15)
    # step 2: g = 2 + 0.5*0.75 = 2.375, buf = 0.9*2.5 + 2.375 = 4.625, w = 0.75 - 0.4625
    opt.step()
    assert w.data == pytest.approx(0.2875, abs=1e-15)
    assert opt.steps == 2


def test_adam_first_two_steps_by_hand():
    w = Value(0.0)
    opt = Adam([w], lr=0.01, betas=(0.9, 0.99), eps=1e-8)
    w.grad = 2.0
    opt.step()  # m = 0.2, v = 0.04, mhat = 2, vhat = 4: w = -0.01 * 2 / (2 + 1e-8)
    assert w.data == pytest.approx(-0.01 * 2 / (2 + 1e-8), abs=1e-16)
    w.grad = -1.0
    opt.step()  # m = 0.08, v = 0.0496, mhat = 0.08/0.19, vhat = 0.0496/0.0199
    expected = -0.01 * 2 / (2 + 1e-8) - 0.01 * (0.08 / 0.19) / (math.sqrt(0.0496 / 0.0199) + 1e-8)
    assert w.data == pytest.approx(expected, abs=1e-15)


def _quadratic_problem(params):
    """A tiny least-squares fit: loss = sum_i (w0*x_i + w1 - y_i)^2 + w0^2 * w1^2."""
    xs, ys = [0.5, -1.0, 2.0], [1.0, 0.0, 3.0]
    w0, w1 = params
    terms = [(w0 * x + w1 - y) ** 2 for x, y in zip(xs, ys)]
    total = terms[0] + terms[1] + terms[2] + (w0 * w1) ** 2
    return total


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda p: Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
            lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
        ),
        (lambda p: Adam(p, lr=0.02), lambda p: torch.optim.Adam(p, lr=0.02)),
        (
            lambda p: SGD(p, lr=0.02, momentum=0.9, weight_decay=0.01),
            lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, weight_decay=0.01),
        ),
    ],
)
def test_optimizers_follow_torch_float64_step_by_step(ours, theirs):
    params = [Value(0.3), Value(-0.4)]
    tensors = [
        torch.tensor(0.3, dtype=torch.float64, requires_grad=True),
        torch.tensor(-0.4, dtype=torch.float64, requires_grad=True),
    ]
    opt, ref = ours(params), theirs(tensors)
    for _ in range(25):
        opt.zero_grad()
        _quadratic_problem(params).backward()
        opt.step()
        ref.zero_grad()
        _quadratic_problem(tensors).backward()
        ref.step()
        np.testing.assert_allclose(
            [p.data for p in params], [t.item() for t in tensors], rtol=1e-12, atol=1e-14
        )


def test_learning_rate_schedule_gets_the_step_number():
    seen = []
    w = Value(1.0)

    def schedule(k):
        seen.append(k)
        return 1.0 - 0.9 * k / 100  # micrograd's demo schedule

    opt = SGD([w], lr=schedule)
    for _ in range(3):
        w.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert w.data == pytest.approx(1.0 - 1.0 - 0.991 - 0.982, abs=1e-15)


def test_step_records_no_graph_and_zero_grad_resets():
    w = Value(2.0)
    w.grad = 1.0

    class Spy(Optimizer):
        def _update(self, lr):
            self.grad_mode = is_grad_enabled()

    spy = Spy([w], lr=0.1)
    spy.step()
    assert spy.grad_mode is False and is_grad_enabled()
    spy.zero_grad()
    assert w.grad == 0.0


def test_an_optimizer_accepts_a_module():
    model = MLP(2, [2, 1], seed=0)
    assert SGD(model, lr=0.1).params == model.parameters()


@pytest.mark.parametrize("make", [lambda p, **kw: SGD(p, **kw), lambda p, **kw: Adam(p, **kw)])
def test_bad_configuration_is_refused(make):
    w = Value(1.0)
    with pytest.raises(ValueError, match="got no parameters"):
        make([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0, got -0.1"):
        make([w], lr=-0.1)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        make([w], lr=math.nan)
    with pytest.raises(ValueError, match="more than once"):
        make([w, w], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        make([w, 1.0], lr=0.1)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        make([w], lr=0.1, weight_decay=-1.0)


def test_a_schedule_that_goes_negative_is_caught_before_any_change():
    w = Value(1.0)
    w.grad = 1.0
    opt = SGD([w], lr=lambda k: 0.1 - 0.1 * k)
    opt.step()
    opt.step()  # lr 0 is allowed
    with pytest.raises(ValueError, match="lr schedule at step 2 must be >= 0"):
        opt.step()
    assert w.data == pytest.approx(0.9) and opt.steps == 2


def test_bad_momentum_and_betas():
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        SGD([Value(1.0)], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="betas must be two numbers in \\[0, 1\\)"):
        Adam([Value(1.0)], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be two numbers"):
        Adam([Value(1.0)], betas=(0.9,))  # type: ignore[arg-type]


def _one_at_a_time(optimizer: Optimizer) -> None:
    """``optimizer.step()`` forced through the per-parameter loop (as when a parameter is batched)."""
    import nn.optim

    real = nn.optim._floats_of
    nn.optim._floats_of = lambda *args: None  # type: ignore[assignment]
    try:
        optimizer.step()
    finally:
        nn.optim._floats_of = real


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: Adam(ps, lr=lambda k: 0.01 * (1 - k / 100), betas=(0.9, 0.95), weight_decay=0.1),
    ],
    ids=["sgd", "sgd-momentum-decay", "adam"],
)
def test_the_array_update_gives_the_same_bits_as_the_loop(make):
    rng = np.random.default_rng(3)
    start = rng.normal(size=50).tolist()
    fast, slow = [Value(x) for x in start], [Value(x) for x in start]
    fast_opt, slow_opt = make(fast), make(slow)
    for step in range(6):
        grads = rng.normal(size=50).tolist()
        grads[0] = 0  # an int gradient, as a user's ``p.grad = 0`` leaves it
        for p, q, g in zip(fast, slow, grads):
            p.grad = q.grad = g
        if step == 3:  # the loop takes over the array's state, and hands it back
            _one_at_a_time(fast_opt)
        else:
            fast_opt.step()
        _one_at_a_time(slow_opt)
        assert [p.data for p in fast] == [q.data for q in slow]
        assert all(type(p.data) is float for p in fast)


def test_a_batched_parameter_takes_the_loop():
    w, b = Value(1.0), Value(np.array([1.0, 2.0]))
    opt = Adam([w, b], lr=0.1)
    w.grad, b.grad = 3.0, np.array([1.0, -1.0])
    opt.step()
    assert w.data == pytest.approx(0.9) and b.data.tolist() == pytest.approx([0.9, 2.1])


def test_a_graph_built_before_an_optimizer_step_refuses_backward():
    w = Value(2.0)
    y = w * w
    y.backward()
    Adam([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="changed after the mul node"):
        y.backward()
