"""From chainrule to PyTorch and back: ``to_torch(mlp)`` and ``from_torch(sequential)``.

``to_torch`` turns an ``MLP`` into the ``torch.nn.Sequential`` a PyTorch user would write --
``Linear`` layers (float64, the same weights) with ``ReLU`` / ``Tanh`` / ``Sigmoid`` modules
between them (a ``"linear"`` activation adds no module) -- so its outputs and gradients equal
chainrule's to rounding. ``from_torch`` reads such a ``Sequential`` back into an ``MLP``.

PyTorch is optional (``pip install "chainrule[torch]"``) and imported only when these run.

Example:
    >>> import torch
    >>> from nn import MLP, to_torch, from_torch
    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> net = to_torch(model)
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> abs(net(torch.tensor([0.5, -1.0], dtype=torch.float64)).item() - model([0.5, -1.0]).data) < 1e-12
    True
    >>> from_torch(net).state_dict() == model.state_dict()
    True
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from nn.layers import MLP

__all__ = ["to_torch", "from_torch"]

# chainrule activation name <-> torch.nn module class name
_TO_TORCH = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
_FROM_TORCH = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Identity": "linear"}


def _torch(caller: str) -> ModuleType:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(
            f'{caller} needs PyTorch, an optional dependency: pip install "chainrule[torch]"'
        ) from None


def to_torch(mlp: MLP) -> Any:
    """The ``MLP`` as a float64 ``torch.nn.Sequential`` of ``Linear`` and activation modules.

    The torch model owns copies of the weights: training one does not change the other.
    PyTorch's random generator is not touched (layers are made with ``skip_init``).

    Raises:
        ImportError: if PyTorch is not installed (the message says how to install it).
        TypeError: if ``mlp`` is not an ``nn.MLP``.
    """
    torch = _torch("to_torch")
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch converts an nn.MLP, got {type(mlp).__name__}")
    modules = []
    for layer in mlp.layers:
        linear = torch.nn.utils.skip_init(
            torch.nn.Linear, layer.nin, layer.nout, bias=layer.bias, dtype=torch.float64
        )
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            if layer.bias:
                biases = [n.b.data for n in layer.neurons if n.b is not None]
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        if layer.activation in _TO_TORCH:
            modules.append(getattr(torch.nn, _TO_TORCH[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: Any) -> MLP:
    """The ``MLP`` that computes what ``sequential`` computes (its weights, as float64).

    ``sequential`` must be ``Linear`` layers, each optionally followed by one ``ReLU``,
    ``Tanh``, ``Sigmoid`` or ``Identity``; every hidden layer must use the same activation
    (an ``MLP`` has one ``activation`` and one ``output_activation``), and either every
    ``Linear`` has a bias or none has. A single ``Linear`` has no hidden activation to read:
    its ``MLP`` reports the default ``activation="relu"``, which it never applies.

    Raises:
        ImportError: if PyTorch is not installed (the message says how to install it).
        TypeError: if ``sequential`` is not a ``torch.nn.Sequential`` itself (a subclass may
            have its own ``forward``).
        ValueError: naming the layer (its index in ``sequential`` and its type) that has no
            chainrule equivalent or breaks the rules above: a subclass of a supported layer or a
            module with forward hooks is refused too, as it may compute something else.
    """
    torch = _torch("from_torch")
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch reads a torch.nn.Sequential, got {type(sequential).__name__}")
    if type(sequential) is not torch.nn.Sequential:
        raise TypeError(
            f"from_torch reads a torch.nn.Sequential itself, got {type(sequential).__name__}, a subclass: "
            f"its forward may compute something else than its layers in turn"
        )
    _refuse_hooks(sequential, "the Sequential")
    linears, activations, activation_modules = _read_layers(torch, list(sequential))
    for index, name in zip(activation_modules[1:-1], activations[1:-1]):
        if name != activations[0]:
            raise ValueError(
                f"from_torch: layer {index} ({type(sequential[index]).__name__}) differs from the first "
                f"hidden activation ({activations[0]}); an MLP has one activation for every hidden layer"
            )
    has_bias = [linear.bias is not None for _, linear in linears]
    if any(has_bias) and not all(has_bias):
        index, linear = linears[has_bias.index(not has_bias[0])]
        raise ValueError(
            f"from_torch: layer {index} (Linear) {'has' if linear.bias is not None else 'lacks'} a bias "
            f"unlike layer {linears[0][0]}; an MLP has biases in every layer or in none"
        )
    for (_, before), (index, linear) in zip(linears, linears[1:]):
        if linear.in_features != before.out_features:
            raise ValueError(
                f"from_torch: layer {index} (Linear) takes {linear.in_features} inputs but the layer "
                f"before it gives {before.out_features}"
            )
    weights = [linear.weight.detach().to(torch.float64).cpu().tolist() for _, linear in linears]
    biases = (
        [linear.bias.detach().to(torch.float64).cpu().tolist() for _, linear in linears]
        if all(has_bias)
        else None
    )
    return MLP.from_weights(
        weights,
        biases,
        activation=activations[0] if len(activations) > 1 else "relu",
        output_activation=activations[-1],
    )


def _read_layers(torch: ModuleType, modules: list[Any]) -> tuple[list[tuple[int, Any]], list[str], list[int]]:
    """Each ``Linear`` (with its index), the activation after it, and where that activation is.

    A ``Linear`` with no activation after it gets ``"linear"``, located at the ``Linear`` itself.
    """
    if not modules:
        raise ValueError("from_torch: the Sequential is empty")
    activation_classes = {getattr(torch.nn, name): name for name in _FROM_TORCH}
    linears: list[tuple[int, Any]] = []
    activations: list[str] = []
    where: list[int] = []
    for index, module in enumerate(modules):
        kind = type(module).__name__
        _refuse_subclass(torch, index, module)
        _refuse_hooks(module, f"layer {index} ({kind})")
        if type(module) is torch.nn.Linear:
            linears.append((index, module))
            activations.append("linear")
            where.append(index)
        elif type(module) in activation_classes:
            if index == 0 or type(modules[index - 1]) is not torch.nn.Linear:
                raise ValueError(
                    f"from_torch: layer {index} ({kind}) must directly follow a Linear layer "
                    f"(an MLP applies one activation after each Linear)"
                )
            activations[-1] = _FROM_TORCH[activation_classes[type(module)]]
            where[-1] = index
        else:
            supported = ", ".join(["Linear", *_FROM_TORCH])
            raise ValueError(
                f"from_torch: layer {index} ({kind}) has no chainrule equivalent; supported: {supported}"
            )
    return linears, activations, where


def _refuse_subclass(torch: ModuleType, index: int, module: Any) -> None:
    """A subclass of a supported layer may compute something else (its own ``forward``)."""
    for name in ["Linear", *_FROM_TORCH]:
        base = getattr(torch.nn, name)
        if isinstance(module, base) and type(module) is not base:
            raise ValueError(
                f"from_torch: layer {index} ({type(module).__name__}) is a subclass of {name}; only "
                f"torch.nn.{name} itself is read (a subclass may compute something else)"
            )


def _refuse_hooks(module: Any, what: str) -> None:
    """Forward hooks change what a module computes; an MLP has no place for them."""
    hooks = [getattr(module, name, None) for name in ("_forward_hooks", "_forward_pre_hooks")]
    if any(hooks):
        raise ValueError(
            f"from_torch: {what} has forward hooks, which change what it computes; remove them first"
        )
