"""Losses: hand formulas, finite differences, PyTorch as a second witness, extremes, bad input."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograd import Value, gradcheck, no_grad
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
)
from nn.losses import resolve_loss

ELEMENTWISE = [mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits, hinge_loss]


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# --- values against hand formulas -----------------------------------------------------------


def test_mse_hand_values_and_reductions():
    preds, targets = [Value(1.0), Value(-2.0), Value(0.5)], [0.0, 1.0, 0.5]
    assert mse_loss(preds, targets).data == pytest.approx((1 + 9 + 0) / 3, abs=1e-15)
    assert mse_loss(preds, targets, reduction="sum").data == pytest.approx(10.0, abs=1e-15)
    assert mse_loss(Value(3.0), 1).data == 4.0


def test_bce_hand_values():
    p, t = [Value(0.9), Value(0.2), Value(0.6)], [1.0, 0.0, 0.3]
    expected = -(math.log(0.9) + math.log(0.8) + 0.3 * math.log(0.6) + 0.7 * math.log(0.4)) / 3
    assert binary_cross_entropy(p, t).data == pytest.approx(expected, abs=1e-15)


def test_bce_with_logits_hand_values():
    z, t = [Value(2.0), Value(-1.0)], [1.0, 0.25]
    p1, p2 = _sigmoid(2.0), _sigmoid(-1.0)
    expected = (-math.log(p1) - 0.25 * math.log(p2) - 0.75 * math.log(1 - p2)) / 2
    assert binary_cross_entropy_with_logits(z, t).data == pytest.approx(expected, abs=1e-15)


def test_hinge_hand_values_is_micrograds_max_margin():
    scores, y = [Value(2.0), Value(0.3), Value(-0.5), Value(0.1)], [1, 1, 1, -1]
    assert hinge_loss(scores, y).data == pytest.approx((0 + 0.7 + 1.5 + 1.1) / 4, abs=1e-15)
    assert hinge_loss(scores, y, reduction="sum").data == pytest.approx(3.3, abs=1e-15)


def test_cross_entropy_hand_values_index_one_hot_and_soft_targets():
    z = [Value(1.0), Value(-1.0), Value(0.5)]
    logsumexp = math.log(math.e + math.exp(-1) + math.exp(0.5))
    assert cross_entropy(z, 0).data == pytest.approx(logsumexp - 1.0, abs=1e-15)
    assert cross_entropy(z, [0, 0, 1]).data == pytest.approx(logsumexp - 0.5, abs=1e-15)
    assert cross_entropy(z, [0.5, 0, 0.5]).data == pytest.approx(logsumexp - 0.75, abs=1e-15)
    samples = [z, [Value(0.0), Value(0.0), Value(0.0)]]
    two = cross_entropy(samples, [1, 2])
    assert two.data == pytest.approx((logsumexp + 1.0 + math.log(3)) / 2, abs=1e-15)
    assert cross_entropy(samples, np.array([[0, 1, 0], [0, 0, 1]]), reduction="sum").data == pytest.approx(
        2 * two.data, abs=1e-14
    )


# --- gradients against finite differences ---------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "targets"),
    [
        (mse_loss, [0.5, -1.0, 2.0]),
        (binary_cross_entropy_with_logits, [1.0, 0.0, 0.3]),
        (hinge_loss, [1.0, -1.0, 1.0]),
    ],
)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_elementwise_gradients_match_finite_differences(loss, targets, reduction):
    assert gradcheck(lambda a, b, c: loss([a, b, c], targets, reduction=reduction), 0.3, -0.7, 1.9)


def test_bce_gradient_matches_finite_differences():
    assert gradcheck(lambda a, b: binary_cross_entropy([a, b], [1.0, 0.2]), 0.7, 0.4)
    # through a recorded sigmoid (the logits path) as well
    assert gradcheck(lambda a, b: binary_cross_entropy([a.sigmoid(), b.sigmoid()], [1.0, 0.2]), 0.7, -3.0)


@pytest.mark.parametrize("targets", [2, [0.2, 0.5, 0.3]])
def test_cross_entropy_gradient_matches_finite_differences(targets):
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], targets), 0.4, -1.1, 2.3)


# --- PyTorch as a second witness (float64, batched predictions) -----------------------------


def _batched(column):
    return Value(np.asarray(column, dtype=np.float64))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_elementwise_losses_and_gradients_match_torch(reduction):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 2))
    probs = 1 / (1 + np.exp(-z))
    t = rng.uniform(size=(6, 2))
    target = torch.tensor(t)
    cases = [
        (mse_loss, z, lambda x: F.mse_loss(x, target, reduction=reduction)),
        (binary_cross_entropy, probs, lambda x: F.binary_cross_entropy(x, target, reduction=reduction)),
        (
            binary_cross_entropy_with_logits,
            z,
            lambda x: F.binary_cross_entropy_with_logits(x, torch.tensor(t), reduction=reduction),
        ),
    ]
    for ours, inputs, theirs in cases:
        columns = [_batched(inputs[:, j]) for j in range(2)]
        loss = ours(columns, t, reduction=reduction)
        loss.backward()
        x = torch.tensor(inputs, requires_grad=True)
        reference = theirs(x)
        reference.backward()
        assert loss.data == pytest.approx(reference.item(), rel=1e-12), ours.__name__
        grads = np.stack([c.grad for c in columns], axis=1)
        np.testing.assert_allclose(grads, x.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("one_hot", [False, True])
def test_cross_entropy_batched_matches_torch(one_hot):
    rng = np.random.default_rng(1)
    z, labels = rng.normal(size=(7, 3)) * 3, rng.integers(0, 3, size=7)
    targets = np.eye(3)[labels] if one_hot else labels
    columns = [_batched(z[:, j]) for j in range(3)]
    loss = cross_entropy(columns, targets)
    loss.backward()
    x = torch.tensor(z, requires_grad=True)
    reference = F.cross_entropy(x, torch.tensor(targets) if one_hot else torch.tensor(labels))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12)
    grads = np.stack([c.grad for c in columns], axis=1)
    np.testing.assert_allclose(grads, x.grad.numpy(), rtol=1e-10, atol=1e-15)


# --- the same loss from per-sample graphs and from one batched graph -------------------------


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy_with_logits, hinge_loss])
def test_batched_equals_per_sample(loss):
    z = np.array([0.3, -1.2, 2.5, 0.0, -0.4])
    t = np.array([1.0, -1.0, 1.0, 1.0, -1.0]) if loss is hinge_loss else np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    scalars = [Value(v) for v in z]
    per_sample = loss(scalars, t)
    per_sample.backward()
    batched_input = Value(z)
    batched = loss(batched_input, t)
    batched.backward()
    assert batched.data == pytest.approx(per_sample.data, abs=1e-14)
    np.testing.assert_allclose(batched_input.grad, [s.grad for s in scalars], rtol=0, atol=1e-14)
    assert loss(Value(z), t[:, None]).data == pytest.approx(per_sample.data, abs=1e-14)  # (B, 1) targets


def test_multi_output_batched_mse_uses_one_column_per_output():
    outputs = [_batched([1.0, 2.0]), _batched([3.0, 4.0])]
    targets = np.array([[1.0, 0.0], [0.0, 4.0]])  # sample 0: (1, 3) vs (1, 0); sample 1: (2, 4) vs (0, 4)
    assert mse_loss(outputs, targets).data == pytest.approx((0 + 9 + 4 + 0) / 4, abs=1e-15)
    per_sample = [[Value(1.0), Value(3.0)], [Value(2.0), Value(4.0)]]
    assert mse_loss(per_sample, targets).data == pytest.approx(13 / 4, abs=1e-15)


# --- numerical extremes (|x| = 1e3) ---------------------------------------------------------


@pytest.mark.parametrize("z", [-1e3, 1e3])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_bce_with_logits_is_exact_at_the_extremes(z, t):
    x = Value(z)
    loss = binary_cross_entropy_with_logits(x, t)
    loss.backward()
    expected = max(z, 0.0) - t * z  # softplus(z) - t z, with e^-1000 below float resolution
    assert loss.data == expected and math.isfinite(x.grad)
    assert x.grad == pytest.approx((1.0 if z > 0 else 0.0) - t, abs=1e-300)


@pytest.mark.parametrize("z", [-1e3, 1e3])
def test_bce_through_a_saturated_sigmoid_is_pytorchs(z):
    """Through a saturated sigmoid the loss is clamped (100) and the gradient dies, as in
    PyTorch: ``binary_cross_entropy_with_logits`` is the path that keeps learning."""
    x = Value(z)
    p = x.sigmoid()
    assert p.data in (0.0, 1.0)  # saturated: log(p) or log(1 - p) alone would be -inf
    loss = binary_cross_entropy(p, 1.0 - (z > 0))  # the wrong label: the largest loss
    loss.backward()
    xt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    reference = F.binary_cross_entropy(torch.sigmoid(xt), torch.tensor(1.0 - (z > 0), dtype=torch.float64))
    reference.backward()
    assert loss.data == reference.item() == 100.0
    assert x.grad == xt.grad.item() == 0.0


def test_bce_without_a_graph_clamps_log_zero_at_minus_100():
    with no_grad():
        assert binary_cross_entropy(Value(0.0), 1.0).data == pytest.approx(100.0)
        assert binary_cross_entropy(Value(0.0), 0.0).data == 0.0
        batched = binary_cross_entropy(Value(np.array([1.0, 0.5])), [0.0, 1.0], reduction="sum")
    assert batched.data == pytest.approx(100 + math.log(2))


def test_cross_entropy_is_finite_for_huge_logits():
    z = [Value(1e3), Value(-1e3), Value(0.0)]
    loss = cross_entropy(z, 1)
    loss.backward()
    assert loss.data == pytest.approx(2e3)
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0], abs=1e-300)
    batched = [_batched([1e3, -1e3]), _batched([-1e3, 1e3])]
    loss = cross_entropy(batched, [0, 0])
    loss.backward()
    assert loss.data == pytest.approx(1e3) and np.all(np.isfinite(batched[0].grad))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ELEMENTWISE)
def test_wrong_target_count_and_unknown_reduction(loss):
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        loss([Value(0.5), Value(0.5)], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="unknown reduction 'avg'; valid: 'mean', 'sum'"):
        loss(Value(0.5), 1.0, reduction="avg")
    with pytest.raises(ValueError, match=r"need targets of shape \(3,\), got \(2,\)"):
        loss(_batched([0.5, 0.5, 0.5]), [1.0, 1.0])
    with pytest.raises(TypeError, match="plain targets"):
        loss(Value(0.5), Value(1.0))
    with pytest.raises(TypeError, match="numeric targets"):
        loss(Value(0.5), "one")
    with pytest.raises(ValueError, match="targets must be finite"):
        loss(Value(0.5), math.nan)
    with pytest.raises(TypeError, match="Values"):
        loss([0.5, 0.2], [1.0, 1.0])


def test_bce_rejects_probabilities_outside_the_unit_interval():
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\].*with_logits"):
        binary_cross_entropy(Value(1.5), 1.0)


def test_hinge_rejects_zero_one_labels():
    with pytest.raises(ValueError, match="targets -1 or \\+1"):
        hinge_loss([Value(0.5), Value(0.1)], [0, 1])


@pytest.mark.parametrize("label", [3, -1, 1.5])
def test_cross_entropy_rejects_labels_out_of_range(label):
    with pytest.raises(ValueError, match="class labels must be integers in 0..2"):
        cross_entropy([Value(0.0), Value(1.0), Value(2.0)], label)
    with pytest.raises(ValueError, match="class labels must be integers in 0..2"):
        cross_entropy([_batched([0.0, 1.0])] * 3, [0, label])


def test_cross_entropy_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"need 1 class labels or an \(1, 3\) array"):
        cross_entropy([Value(0.0), Value(1.0), Value(2.0)], [0, 1])
    with pytest.raises(ValueError, match="one-hot or probabilities"):
        cross_entropy([Value(0.0), Value(1.0)], [2.0, -1.0])
    with pytest.raises(ValueError, match="at least 2 class scores"):
        cross_entropy([Value(0.0)], 0)
    with pytest.raises(TypeError, match="list of class scores"):
        cross_entropy(Value(0.0), 0)
    with pytest.raises(ValueError, match="same 2 class scores"):
        cross_entropy([[Value(0.0), Value(1.0)], [Value(0.0)]], [0, 0])


def test_resolve_loss_by_name_lists_the_valid_names():
    assert resolve_loss("hinge") is hinge_loss and resolve_loss(mse_loss) is mse_loss
    with pytest.raises(ValueError, match="unknown loss 'l1'; valid names: 'mse', 'bce', 'bce_with_logits'"):
        resolve_loss("l1")


@pytest.mark.parametrize("labels", [[True, False], np.array([True, False]), [0, True]])
def test_cross_entropy_refuses_boolean_labels(labels):
    scores = [[Value(0.1), Value(0.2)], [Value(0.3), Value(-0.1)]]
    with pytest.raises(TypeError, match="class labels must be integers, got booleans"):
        cross_entropy(scores, labels)
