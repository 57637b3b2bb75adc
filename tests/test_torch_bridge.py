"""``to_torch`` / ``from_torch``: the same network in both libraries, to rounding (1e-12)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from torch import nn as tnn

from nn import MLP, SGD, Adam, from_torch, mse_loss, to_torch

TOL = 1e-12
ARCHITECTURES = [
    {"nin": 3, "sizes": [5, 1], "activation": "tanh"},
    {"nin": 2, "sizes": [4, 4, 3], "activation": "relu", "output_activation": "sigmoid"},
    {"nin": 4, "sizes": [6, 2], "activation": "sigmoid", "bias": False},
    {"nin": 2, "sizes": [3, 3, 1], "activation": "linear", "output_activation": "tanh"},
]
IDS = ["tanh", "relu+sigmoid", "sigmoid no bias", "linear+tanh"]


def _model(arch: dict) -> MLP:
    return MLP(**arch, seed=3)


def _inputs(nin: int, n: int = 7) -> np.ndarray:
    return np.random.default_rng(0).normal(scale=2.0, size=(n, nin))


def _outputs(model: MLP, X: np.ndarray) -> np.ndarray:
    """(n, nout) outputs of the chainrule model for the batch ``X``."""
    out = model(X)
    outs = out if isinstance(out, list) else [out]
    return np.stack([o.data for o in outs], axis=1)


def _chainrule_grads(model: MLP) -> list[float]:
    return [p.grad for p in model.parameters()]


def _torch_grads(net: torch.nn.Sequential) -> list[float]:
    """Parameter gradients in chainrule's order: neuron by neuron, weights then bias."""
    grads = []
    for linear in (m for m in net if isinstance(m, torch.nn.Linear)):
        for j in range(linear.out_features):
            grads += linear.weight.grad[j].tolist()
            if linear.bias is not None:
                grads.append(linear.bias.grad[j].item())
    return grads


def _torch_weights(net: torch.nn.Sequential) -> list[float]:
    return list(from_torch(net).state_dict().values())


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_round_trip_gives_back_the_same_model(arch):
    model = _model(arch)
    back = from_torch(to_torch(model))
    assert back.state_dict() == model.state_dict()  # exact: float64 both ways
    assert back.config() == model.config()
    assert repr(back) == repr(model)


def test_the_torch_model_is_the_idiomatic_float64_sequential():
    net = to_torch(MLP(2, [4, 4, 1], activation="tanh", seed=0))
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in net.parameters())


def test_to_torch_does_not_touch_torchs_random_generator():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(MLP(8, [64, 64, 1], seed=0))
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_outputs_agree_on_random_inputs(arch):
    model = _model(arch)
    net = to_torch(model)
    X = _inputs(arch["nin"])
    expected = net(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(_outputs(model, X), expected, rtol=TOL, atol=TOL)
    one = model(list(X[0]))  # one sample, scalar graph
    first = [one.data] if not isinstance(one, list) else [o.data for o in one]
    np.testing.assert_allclose(first, expected[0], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_parameter_gradients_agree(arch):
    model = _model(arch)
    net = to_torch(model)
    X = _inputs(arch["nin"])
    y = np.random.default_rng(1).uniform(size=(len(X), arch["sizes"][-1]))
    out = model(X)
    mse_loss(out, y if isinstance(out, list) else y[:, 0]).backward()
    torch.nn.functional.mse_loss(net(torch.tensor(X)), torch.tensor(y)).backward()
    ours, theirs = _chainrule_grads(model), _torch_grads(net)
    assert len(ours) == len(theirs) == model.num_parameters()
    assert any(abs(g) > 1e-3 for g in ours)  # a real comparison, not of zeros
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ],
    ids=["SGD", "SGD momentum weight decay", "Adam"],
)
def test_training_steps_with_the_same_optimizer_give_the_same_weights(ours, theirs):
    model = MLP(3, [8, 8, 2], activation="tanh", seed=5)
    net = to_torch(model)
    X = _inputs(3, 16)
    y = np.random.default_rng(2).normal(size=(16, 2))
    opt, torch_opt = ours(model.parameters()), theirs(net.parameters())
    for step in range(3):  # the first step, and two more so that momentum / Adam state matter
        opt.zero_grad()
        mse_loss(model(X), y).backward()
        opt.step()
        torch_opt.zero_grad()
        torch.nn.functional.mse_loss(net(torch.tensor(X)), torch.tensor(y)).backward()
        torch_opt.step()
        np.testing.assert_allclose(
            list(model.state_dict().values()), _torch_weights(net), rtol=TOL, atol=TOL, err_msg=f"step {step}"
        )


def test_the_two_models_are_independent_copies():
    model = MLP(2, [3, 1], seed=0)
    net = to_torch(model)
    before = model.state_dict()
    with torch.no_grad():
        net[0].weight.add_(1.0)
    assert model.state_dict() == before


# --- reading models written in PyTorch --------------------------------------------------------


def test_a_float32_torch_model_is_read_exactly():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2), torch.nn.Sigmoid()
    )
    model = from_torch(net)
    assert model.config() == {
        "nin": 3,
        "sizes": [5, 2],
        "activation": "tanh",
        "output_activation": "sigmoid",
        "bias": True,
    }
    X = _inputs(3)
    expected = net.double()(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(_outputs(model, X), expected, rtol=TOL, atol=TOL)


def test_identity_counts_as_a_linear_activation():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Identity(), torch.nn.Linear(3, 1)).double()
    model = from_torch(net)
    assert model.config()["activation"] == "linear"
    X = _inputs(2)
    np.testing.assert_allclose(
        _outputs(model, X)[:, 0], net(torch.tensor(X)).detach().numpy()[:, 0], rtol=TOL
    )


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (
            lambda: [tnn.Linear(2, 3), tnn.ReLU(), tnn.Dropout(0.1), tnn.Linear(3, 1)],
            r"layer 2 \(Dropout\) has no chainrule equivalent; "
            r"supported: Linear, ReLU, Tanh, Sigmoid, Identity",
        ),
        (lambda: [tnn.Linear(2, 3), tnn.LeakyReLU(), tnn.Linear(3, 1)], r"layer 1 \(LeakyReLU\)"),
        (lambda: [tnn.Linear(2, 3), tnn.Sequential(tnn.Linear(3, 1))], r"layer 1 \(Sequential\)"),
        (lambda: [tnn.ReLU(), tnn.Linear(2, 1)], r"layer 0 \(ReLU\) must directly follow a Linear"),
        (
            lambda: [tnn.Linear(2, 3), tnn.Tanh(), tnn.ReLU(), tnn.Linear(3, 1)],
            r"layer 2 \(ReLU\) must directly follow a Linear",
        ),
        (
            lambda: [tnn.Linear(2, 3), tnn.Tanh(), tnn.Linear(3, 3), tnn.ReLU(), tnn.Linear(3, 1)],
            r"layer 3 \(ReLU\) differs from the first hidden activation \(tanh\)",
        ),
        (
            lambda: [tnn.Linear(2, 3), tnn.Tanh(), tnn.Linear(3, 1, bias=False)],
            r"layer 2 \(Linear\) lacks a bias unlike layer 0",
        ),
        (lambda: [tnn.Linear(2, 3), tnn.Linear(4, 1)], r"layer 1 \(Linear\) takes 4 inputs .* gives 3"),
        (lambda: [], "the Sequential is empty"),
    ],
    ids=[
        "dropout",
        "leaky relu",
        "nested",
        "starts with relu",
        "two activations",
        "mixed hidden",
        "mixed bias",
        "shapes",
        "empty",
    ],
)
def test_what_an_mlp_cannot_express_is_refused_naming_the_layer(modules, message):
    with pytest.raises(ValueError, match=f"^from_torch: {message}"):
        from_torch(tnn.Sequential(*modules()))


def test_wrong_argument_types():
    with pytest.raises(TypeError, match="to_torch converts an nn.MLP, got Sequential"):
        to_torch(torch.nn.Sequential())
    with pytest.raises(TypeError, match="from_torch reads a torch.nn.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 1))


def test_non_finite_torch_weights_are_refused():
    net = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match="must be finite"):
        from_torch(net)


def test_without_torch_both_calls_say_how_to_install_it(monkeypatch):
    model = MLP(2, [1], seed=0)
    net = to_torch(model)
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r'to_torch needs PyTorch.*pip install "chainrule\[torch\]"'):
        to_torch(model)
    with pytest.raises(ImportError, match=r'from_torch needs PyTorch.*pip install "chainrule\[torch\]"'):
        from_torch(net)


def test_importing_nn_does_not_import_torch():
    import subprocess

    code = "import sys, nn; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


class _Doubled(tnn.Sequential):
    def forward(self, x):
        return 2 * super().forward(x)


class _Plain(tnn.Sequential):
    """No forward of its own, but still not Sequential itself: it could add one at any time."""


class _ShiftedLinear(tnn.Linear):
    def forward(self, x):
        return super().forward(x) + 1


class _LeakyTanh(tnn.Tanh):
    def forward(self, x):
        return torch.tanh(x) + 0.01 * x


def _hooked(module):
    module.register_forward_hook(lambda m, inputs, out: out * 3)
    return module


def _pre_hooked(module):
    module.register_forward_pre_hook(lambda m, inputs: (inputs[0] + 1,))
    return module


@pytest.mark.parametrize("cls", [_Doubled, _Plain])
def test_a_sequential_subclass_is_refused(cls):
    """Issue 12, category 10: a subclass with its own forward was read as its layers."""
    net = cls(tnn.Linear(2, 3, dtype=torch.float64), tnn.Tanh(), tnn.Linear(3, 1, dtype=torch.float64))
    with pytest.raises(TypeError, match=f"got {cls.__name__}, a subclass"):
        from_torch(net)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (
            lambda: [_ShiftedLinear(2, 3), tnn.Tanh(), tnn.Linear(3, 1)],
            r"layer 0 \(_ShiftedLinear\) is a subclass of Linear",
        ),
        (
            lambda: [tnn.Linear(2, 3), _LeakyTanh(), tnn.Linear(3, 1)],
            r"layer 1 \(_LeakyTanh\) is a subclass of Tanh",
        ),
        (
            lambda: [tnn.Linear(2, 3), tnn.Tanh(), _hooked(tnn.Linear(3, 1))],
            r"layer 2 \(Linear\) has forward hooks",
        ),
        (
            lambda: [tnn.Linear(2, 3), _pre_hooked(tnn.ReLU()), tnn.Linear(3, 1)],
            r"layer 1 \(ReLU\) has forward hooks",
        ),
    ],
    ids=["linear subclass", "tanh subclass", "forward hook", "forward pre-hook"],
)
def test_a_layer_that_may_compute_something_else_is_refused(modules, message):
    with pytest.raises(ValueError, match=f"^from_torch: {message}"):
        from_torch(tnn.Sequential(*modules()))


def test_a_sequential_with_a_forward_hook_is_refused():
    net = _hooked(tnn.Sequential(tnn.Linear(2, 1)))
    with pytest.raises(ValueError, match="the Sequential has forward hooks"):
        from_torch(net)
