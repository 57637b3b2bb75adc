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

import autograd._install_check  # noqa: F401  (first: refuses to run beside PyPI's HIPS autograd)

# The core is value.py, ops.py (+ op_rules.py) and grad_mode.py; every other module is a layer
# around it (docs/architecture.md). ``speed.enable()`` plugs the speed layer in.
from autograd import protocols, speed
from autograd.anomaly import AnomalyError, detect_anomaly
from autograd.explain import explain
from autograd.functional import grad, gradients, hessian, jacobian, value_and_grad
from autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.gradcheck import gradcheck, numeric_grad
from autograd.nary import dot, sum_values
from autograd.ops import OPS, Op, register_op
from autograd.selection import gather, logsumexp
from autograd.tape import Tape
from autograd.trace import FrozenDataWarning, Traced, trace, warn_data_reads
from autograd.value import Value, apply_op, backward, topological_order
from autograd.viz import draw_dot, draw_graph

speed.enable()
protocols.install()

__all__ = [
    "Value",
    "dot",
    "sum_values",
    "gather",
    "logsumexp",
    "apply_op",
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
    "explain",
    "Tape",
    "trace",
    "Traced",
    "FrozenDataWarning",
    "warn_data_reads",
]
