"""Bad input at every public entry raises a clear exception that names the problem.

One table, entry by entry: what we pass, the exception we expect, and words the message must
contain. Where a model or optimizer is involved, its state must be unchanged afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import Value, dot, grad, gradcheck, gradients, register_op, sum_values
from nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Neuron,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    fit,
    hinge_loss,
    mse_loss,
)


def _model() -> MLP:
    return MLP(2, [3, 1], seed=0)


def _classifier() -> MLP:
    return MLP(2, [3], seed=0)


SCORES = [Value(1.0), Value(2.0), Value(3.0)]
X2 = [[0.0, 1.0], [1.0, 0.0]]

# (what, call, exception, regex the message must match)
CASES: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    # --- the engine -------------------------------------------------------------------------
    ("Value('3')", lambda: Value("3"), TypeError, "real number .* got str"),
    ("Value(None)", lambda: Value(None), TypeError, "got NoneType"),
    ("Value([1, 2])", lambda: Value([1, 2]), TypeError, "got list"),
    ("Value(True)", lambda: Value(True), TypeError, "got bool"),
    ("Value(1+2j)", lambda: Value(1 + 2j), TypeError, "got complex"),
    ("Value(2-D array)", lambda: Value(np.ones((2, 2))), TypeError, r"shape \(2, 2\)"),
    ("Value(str array)", lambda: Value(np.array(["a"])), TypeError, "dtype <U1"),
    ("Value(empty array)", lambda: Value(np.array([])), ValueError, "at least one sample"),
    ("Value + str", lambda: Value(1.0) + "a", TypeError, "unsupported operand"),
    ("Value * None", lambda: Value(1.0) * None, TypeError, "unsupported operand"),
    ("log(0)", lambda: Value(0.0).log(), ValueError, "^log: .*positive"),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), ValueError, "^sqrt: .*non-negative"),
    ("1 / 0", lambda: Value(1.0) / 0, ZeroDivisionError, "^div: division by zero"),
    ("0 ** -1", lambda: Value(0.0) ** -1, ZeroDivisionError, "^pow: zero raised to a negative"),
    ("(-8) ** (1/3)", lambda: Value(-8.0) ** (1 / 3), ValueError, "^pow: negative base"),
    ("exp(1000)", lambda: Value(1000.0).exp(), OverflowError, r"^exp: .*exp\(1000.0\)"),
    ("10 ** 400", lambda: Value(10.0) ** 400, OverflowError, "^pow: result too large"),
    ("dot lengths", lambda: dot([Value(1.0)], [1.0, 2.0]), ValueError, "as many weights as inputs"),
    ("dot(str)", lambda: dot(["a"], [1.0]), TypeError, r"weights\[0\] must be a Value or a number"),
    ("sum_values(str)", lambda: sum_values([1.0, "a"]), TypeError, r"values\[1\]"),
    ("item() of a batch", lambda: Value(np.ones(3)).item(), TypeError, "3 samples"),
    ("gradients(root=float)", lambda: gradients(1.0, [Value(1.0)]), TypeError, "root must be a Value"),
    ("gradients(wrt=str)", lambda: gradients(Value(1.0), "x"), TypeError, "wrt must be a list of Values"),
    ("gradients(wrt=[float])", lambda: gradients(Value(1.0), [1.0]), TypeError, r"wrt\[0\] must be a Value"),
    ("grad(f)('a')", lambda: grad(lambda x: x * x)("a"), TypeError, "got str"),
    ("grad argnums", lambda: grad(lambda x: x, argnums=3)(1.0), ValueError, "argnums 3 out of range"),
    ("grad of a str", lambda: grad(lambda x: "s")(1.0), TypeError, "must return a Value or a number"),
    ("gradcheck()", lambda: gradcheck(lambda x: x), ValueError, "at least one argument"),
    ("gradcheck eps=0", lambda: gradcheck(lambda x: x * x, 1.0, eps=0.0), ValueError, "eps must be"),
    ("gradcheck atol<0", lambda: gradcheck(lambda x: x * x, 1.0, atol=-1.0), ValueError, "atol and rtol"),
    ("register_op twice", lambda: register_op("add", abs, abs), ValueError, "already registered"),
    ("register_op(1, 2)", lambda: register_op("fuzz_op", 1, 2), TypeError, "must be callables"),
    # --- models -----------------------------------------------------------------------------
    ("MLP(0, ...)", lambda: MLP(0, [1]), ValueError, "nin must be a positive integer"),
    ("MLP(2.0, ...)", lambda: MLP(2.0, [1]), ValueError, "nin must be a positive integer"),
    ("MLP(2, [])", lambda: MLP(2, []), ValueError, "non-empty list of layer sizes"),
    ("MLP(2, [1.5])", lambda: MLP(2, [1.5]), ValueError, "layer size must be a positive integer"),
    (
        "MLP activation",
        lambda: MLP(2, [1], activation="gelu"),
        ValueError,
        "'gelu'; valid names: 'relu', 'tanh'",
    ),
    ("MLP output_activation", lambda: MLP(2, [1], output_activation="softmax"), ValueError, "valid names"),
    ("MLP bias='yes'", lambda: MLP(2, [1], bias="yes"), TypeError, "bias must be True or False"),
    ("MLP init", lambda: MLP(2, [1], init="he"), ValueError, "'he'; valid names: 'uniform'"),
    ("MLP seed and rng", lambda: MLP(2, [1], seed=0, rng=np.random), ValueError, "either seed or rng"),
    ("MLP 3 inputs", lambda: _model()([1, 2, 3]), ValueError, "MLP expects 2 inputs, got 3"),
    ("MLP batch width", lambda: _model()(np.ones((4, 3))), ValueError, "MLP expects 2 inputs, got 3"),
    ("MLP 3-D batch", lambda: _model()(np.ones((1, 1, 2))), ValueError, "2-D batch"),
    ("MLP(str)", lambda: _model()("ab"), TypeError, "got str"),
    ("MLP(None)", lambda: _model()(None), TypeError, "got NoneType"),
    ("MLP(nan)", lambda: _model()([1.0, math.nan]), ValueError, "input 1 must be finite"),
    ("Layer 1 input", lambda: Layer(2, 3, seed=0)([1.0]), ValueError, "Layer expects 2 inputs, got 1"),
    ("Neuron 1 input", lambda: Neuron(2, seed=0)([1.0]), ValueError, "Neuron expects 2 inputs, got 1"),
    ("Neuron(str inputs)", lambda: Neuron(2, seed=0)(["a", "b"]), TypeError, "input 0 must be a real number"),
    ("from_weights ragged", lambda: MLP.from_weights([[[1.0, 2.0], [1.0]]]), TypeError, "2-D array"),
    ("from_weights chain", lambda: MLP.from_weights([[[1.0, 2.0]], [[1.0, 2.0]]]), ValueError, "needs shape"),
    # --- losses -----------------------------------------------------------------------------
    (
        "cross_entropy label 3",
        lambda: cross_entropy(SCORES, 3),
        ValueError,
        r"integers in 0\.\.2, got \[3\.\]",
    ),
    ("cross_entropy label -1", lambda: cross_entropy(SCORES, -1), ValueError, r"in 0\.\.2, got \[-1\.\]"),
    ("cross_entropy label 1.5", lambda: cross_entropy(SCORES, 1.5), ValueError, r"integers in 0\.\.2"),
    ("cross_entropy label 'a'", lambda: cross_entropy(SCORES, "a"), TypeError, "numeric targets"),
    ("cross_entropy one-hot length", lambda: cross_entropy(SCORES, [0, 1]), ValueError, r"shape \(1, 2\)"),
    ("cross_entropy 1 class", lambda: cross_entropy([Value(1.0)], 0), ValueError, "at least 2 class"),
    (
        "cross_entropy reduction",
        lambda: cross_entropy(SCORES, 0, reduction="avg"),
        ValueError,
        "'avg'; valid",
    ),
    ("mse_loss(str)", lambda: mse_loss("a", 1.0), TypeError, "expects a Value or a non-empty list"),
    (
        "mse_loss counts",
        lambda: mse_loss([Value(1.0)], [1.0, 2.0]),
        ValueError,
        "1 predictions but 2 targets",
    ),
    ("mse_loss nan target", lambda: mse_loss(Value(1.0), math.nan), ValueError, "targets must be finite"),
    ("bce p=2", lambda: binary_cross_entropy(Value(2.0), 1.0), ValueError, r"probabilities in \[0, 1\]"),
    ("bce target 2", lambda: binary_cross_entropy(Value(0.5), 2.0), ValueError, r"targets in \[0, 1\]"),
    (
        "bce logits target -1",
        lambda: binary_cross_entropy_with_logits(Value(0.5), -1.0),
        ValueError,
        "targets in",
    ),
    ("hinge target 0", lambda: hinge_loss(Value(0.5), 0.0), ValueError, "targets -1 or \\+1"),
    # --- optimizers -------------------------------------------------------------------------
    ("SGD no parameters", lambda: SGD([], lr=0.1), ValueError, "SGD got no parameters"),
    ("Adam no parameters", lambda: Adam([], lr=0.1), ValueError, "Adam got no parameters"),
    ("SGD(None)", lambda: SGD(None, lr=0.1), TypeError, r"parameters to optimize \(e\.g\."),
    ("SGD([float])", lambda: SGD([1.0], lr=0.1), TypeError, "parameter 0 is a float"),
    ("SGD duplicate", lambda: SGD([Value(1.0)] * 2, lr=0.1), ValueError, "more than once"),
    ("SGD lr=-1", lambda: SGD(_model().parameters(), lr=-1.0), ValueError, "lr must be >= 0, got -1"),
    ("Adam lr=-0.1", lambda: Adam(_model().parameters(), lr=-0.1), ValueError, "lr must be >= 0"),
    ("SGD lr=nan", lambda: SGD(_model().parameters(), lr=math.nan), ValueError, "lr must be a finite number"),
    ("SGD lr='a'", lambda: SGD(_model().parameters(), lr="a"), ValueError, "lr must be a finite number"),
    ("SGD momentum<0", lambda: SGD(_model().parameters(), lr=0.1, momentum=-0.5), ValueError, "momentum"),
    ("Adam betas=0.9", lambda: Adam(_model().parameters(), betas=0.9), ValueError, "betas must be two"),
    ("Adam betas=(1, 0.9)", lambda: Adam(_model().parameters(), betas=(1.0, 0.9)), ValueError, r"\[0, 1\)"),
    ("Adam eps<0", lambda: Adam(_model().parameters(), eps=-1.0), ValueError, "eps must be >= 0"),
    # --- fit ----------------------------------------------------------------------------------
    (
        "fit X/y lengths",
        lambda: fit(_model(), X2, [1.0], progress=False),
        ValueError,
        "2 samples but y has 1",
    ),
    ("fit X 1-D", lambda: fit(_model(), [1.0, 2.0], [1.0, 2.0], progress=False), ValueError, "2-D array"),
    ("fit y str", lambda: fit(_model(), X2, ["a", "b"], progress=False), TypeError, "numeric arrays"),
    ("fit X nan", lambda: fit(_model(), [[0.0, math.nan]], [1.0], progress=False), ValueError, "finite"),
    (
        "fit loss name",
        lambda: fit(_model(), X2, [1.0, 0.0], loss="l1", progress=False),
        ValueError,
        "'l1'; valid names: 'mse'",
    ),
    (
        "fit metric name",
        lambda: fit(_model(), X2, [1.0, 0.0], metrics=["f1"], progress=False),
        ValueError,
        "valid names",
    ),
    (
        "fit epochs=0",
        lambda: fit(_model(), X2, [1.0, 0.0], epochs=0, progress=False),
        ValueError,
        "epochs must be",
    ),
    (
        "fit batch_size=0",
        lambda: fit(_model(), X2, [1.0, 0.0], batch_size=0, progress=False),
        ValueError,
        "batch_size",
    ),
    (
        "fit optimizer='sgd'",
        lambda: fit(_model(), X2, [1.0, 0.0], optimizer="sgd", progress=False),
        TypeError,
        "optimizer must be",
    ),
    (
        "fit validation_data",
        lambda: fit(_model(), X2, [1.0, 0.0], validation_data=(X2,), progress=False),
        TypeError,
        "pair",
    ),
    (
        "fit cross_entropy label 5",
        lambda: fit(_classifier(), X2, [0, 5], loss="cross_entropy", progress=False),
        ValueError,
        r"0\.\.2, got \[5\.\]",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_table_covers_every_entry_the_issue_names():
    names = " ".join(c[0] for c in CASES)
    for entry in (
        "Value(",
        "MLP 3 inputs",
        "Layer",
        "fit X/y",
        "cross_entropy label",
        "activation",
        "loss name",
    ):
        assert entry in names
    assert "no parameters" in names and "lr=-1" in names
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    "bad_fit",
    [
        {"y": [1.0]},
        {"loss": "l1"},
        {"optimizer": "sgd"},
        {"loss": "cross_entropy", "y": [0, 5]},
        {"loss": "hinge", "y": [0.0, 1.0]},
    ],
    ids=["lengths", "loss name", "optimizer", "label out of range", "hinge label"],
)
def test_a_refused_fit_leaves_the_model_untouched(bad_fit):
    model = _classifier() if bad_fit.get("loss") == "cross_entropy" else _model()
    before = model.state_dict()
    kwargs = {"y": [1.0, -1.0], **bad_fit}
    y = kwargs.pop("y")
    with pytest.raises((ValueError, TypeError)):
        fit(model, X2, y, progress=False, **kwargs)
    assert model.state_dict() == before


def test_a_refused_optimizer_step_leaves_the_parameters_untouched():
    model = _model()
    before = model.state_dict()
    opt = SGD(model.parameters(), lr=lambda k: -0.1)
    model.zero_grad()
    model([1.0, 2.0]).backward()
    with pytest.raises(ValueError, match="lr schedule at step 0 must be >= 0"):
        opt.step()
    assert model.state_dict() == before and opt.steps == 0


def test_a_failed_forward_leaves_leaf_gradients_untouched():
    x = Value(-1.0)
    x.grad = 0.5
    with pytest.raises(ValueError, match="^log"):
        (x * 2).log().backward()
    assert (x.data, x.grad) == (-1.0, 0.5)
