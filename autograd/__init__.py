"""chainrule's scalar reverse-mode autograd engine.

Example:
    >>> from autograd import Value, grad
    >>> x = Value(2.0)
    >>> y = (x * x + 1).log()
    >>> y.backward()
    >>> round(x.grad, 6)                     # 2x / (x^2 + 1)
    0.8
    >>> round(grad(lambda x: (x * x + 1).log())(2.0), 6)
    0.8
"""

# The core: values, the op table, the backward pass, grad mode.
from autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.ops import OPS, Op, register_op
from autograd.value import Value, backward, dot, sum_values, topological_order

# Layers around it (docs/architecture.md): speed, debugging, transforms, pictures.
from autograd import speed  # noqa: I001 (the core first)
from autograd.anomaly import AnomalyError, detect_anomaly
from autograd.functional import grad, gradients, hessian, jacobian, value_and_grad
from autograd.gradcheck import gradcheck, numeric_grad
from autograd.tape import Tape
from autograd.viz import draw_dot, draw_graph

speed.enable()

__all__ = [
    "Value",
    "dot",
    "sum_values",
    "backward",
    "gradients",
    "topological_order",
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "gradcheck",
    "numeric_grad",
    "OPS",
    "Op",
    "register_op",
    "detect_anomaly",
    "AnomalyError",
    "draw_graph",
    "draw_dot",
    "Tape",
]
