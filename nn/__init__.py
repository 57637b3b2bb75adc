"""chainrule's neural-network layer: modules, losses, optimizers, a training loop, datasets.

Example:
    >>> from nn import MLP, SGD, hinge_loss
    >>> model = MLP(2, [8, 1], seed=0)
    >>> opt = SGD(model.parameters(), lr=0.05)
    >>> X, y = [[1.0, 2.0], [-1.0, -2.0]], [1.0, -1.0]
    >>> for _ in range(20):
    ...     opt.zero_grad()
    ...     loss = hinge_loss([model(x) for x in X], y)
    ...     loss.backward()
    ...     opt.step()
    >>> [model(x).data > 0 for x in X]           # both samples on the right side
    [True, False]
"""

import nn._autograd_check  # noqa: F401  (first: is `autograd` chainrule's? else a clear ImportError)
from nn.datasets import IRIS_CLASSES, IRIS_FEATURES, iris, moons, one_hot, standardize, train_test_split, xor
from nn.draw import draw_model
from nn.init import Normal, ScaledUniform, Uniform
from nn.layers import MLP, Layer, Neuron
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
)
from nn.metrics import accuracy
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.serialize import ModelFileError, load, save
from nn.torch_bridge import from_torch, to_torch
from nn.train import History, fit

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Uniform",
    "ScaledUniform",
    "Normal",
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "Optimizer",
    "SGD",
    "Adam",
    "fit",
    "History",
    "accuracy",
    "xor",
    "iris",
    "moons",
    "train_test_split",
    "one_hot",
    "standardize",
    "IRIS_FEATURES",
    "IRIS_CLASSES",
    "save",
    "load",
    "ModelFileError",
    "to_torch",
    "from_torch",
    "draw_model",
]
