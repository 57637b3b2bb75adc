"""The random expressions of ``expression_trees`` in PyTorch float64: a second, independent witness.

Values, gradients and Hessians must agree within ``RTOL = 1e-9`` relative, with an absolute
floor ``ATOL_PER_SCALE * (1 + scale)``, ``scale`` being the largest |intermediate| of the
expression (<= ``LIMIT`` = 1e4). Why a floor: the two engines round differently (``math`` vs
ATen kernels, another summation order in ``dot``), so each intermediate may differ by a few
ulp of its own size. Where a result cancels to ~0 (``tanh' = 1 - out**2`` at saturation,
``x - x * 1``), those ulp survive as an absolute error ~``eps_machine * scale``, which no
relative tolerance covers. ``ATOL_PER_SCALE = 1e-12`` is ~5000 ulp: room for a tree's worth of
such roundings, each amplified by a few local derivatives, and still 1e-8 absolute at most.
An engine error (a wrong rule, a lost edge) is O(1) off.

Draws are rejected when the two engines take different branches at a relu/abs kink (their
inputs differ in sign by an ulp) and, for Hessians only, when a ``Value`` exponent is exactly
0: there PyTorch masks d/da a**b to a constant 0 and reports d2/da db = 0 but d2/db da = 1/a
(an asymmetric Hessian); chainrule keeps 1/a on both sides (checked against finite
differences in ``test_ops_gradients``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from expression_trees import VALUE_BACKEND, Backend, OutOfDomain, Trace, evaluate, trees
from hypothesis import given, reject
from hypothesis import strategies as st

from autograd import Value, hessian

N_VARS = 3
RTOL = 1e-9
ATOL_PER_SCALE = 1e-13


def _tensor(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


def _numbers(x: Any) -> Any:
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x


def _torch_dot(weights: list[torch.Tensor], inputs: list[torch.Tensor], bias: Any) -> torch.Tensor:
    total = torch.dot(torch.stack(weights), torch.stack(inputs))
    return total if bias is None else total + bias


TORCH_BACKEND = Backend(
    ops={
        "neg": operator.neg,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        # The default threshold (20) returns x itself above 20, whose slope 1 is off by
        # e**-20 ~ 2e-9; at 40 the exact formula's slope already rounds to 1.
        "softplus": lambda t: F.softplus(t, threshold=40.0),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "sin": torch.sin,
        "cos": torch.cos,
        "relu": torch.relu,
        "abs": torch.abs,
        "add": operator.add,
        "sub": operator.sub,
        "mul": operator.mul,
        "div": operator.truediv,
        "pow": operator.pow,
        "sum": lambda terms: torch.stack(terms).sum(),
        "logsumexp": lambda terms: torch.logsumexp(torch.stack(terms), 0),
        "dot": _torch_dot,
    },
    lift=_tensor,
    numbers=_numbers,
)

variables = st.lists(st.floats(-2, 2, allow_nan=False), min_size=N_VARS, max_size=N_VARS)


def assert_close(ours: Any, theirs: Any, scale: float, what: str) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL_PER_SCALE * (1 + scale), err_msg=what)


def both(tree: tuple, xs: list[float]) -> tuple[Any, list[Value], Trace, Any, list[torch.Tensor], Trace]:
    """Evaluate ``tree`` in chainrule and in PyTorch (rejecting guarded or kink-split draws)."""
    ours, theirs = Trace(), Trace()
    leaves = [Value(x) for x in xs]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    try:
        out = evaluate(tree, leaves, VALUE_BACKEND, ours)
        their_out = evaluate(tree, tensors, TORCH_BACKEND, theirs)
    except OutOfDomain:
        reject()
    if ours.kinks != theirs.kinks:
        reject()
    return out, leaves, ours, their_out, tensors, theirs


@given(tree=trees(N_VARS), xs=variables)
def test_values_and_gradients_match_pytorch(tree, xs):
    out, leaves, ours, their_out, tensors, _ = both(tree, xs)
    assert_close(
        float(_numbers(out.data if isinstance(out, Value) else out)),
        float(_numbers(their_out)),
        ours.scale,
        "value",
    )
    if isinstance(out, Value):
        out.backward()
    if isinstance(their_out, torch.Tensor) and their_out.requires_grad:
        their_out.backward()
    our_grads = [leaf.grad for leaf in leaves]
    their_grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    assert_close(our_grads, their_grads, ours.scale, "gradient")


def torch_hessian(out: Any, tensors: list[torch.Tensor]) -> np.ndarray:
    h = np.zeros((len(tensors), len(tensors)))
    if not (isinstance(out, torch.Tensor) and out.requires_grad):
        return h
    first = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    for i, g in enumerate(first):
        if g is not None and g.requires_grad:
            row = torch.autograd.grad(g, tensors, retain_graph=True, allow_unused=True)
            h[i] = [0.0 if d is None else d.item() for d in row]
    return h


@given(tree=trees(N_VARS), xs=variables)
def test_hessians_match_pytorch(tree, xs):
    _, _, ours, their_out, tensors, _ = both(tree, xs)
    if ours.zero_exponent:
        reject()  # PyTorch's asymmetric convention at b == 0 (module docstring)
    our_h = np.array(hessian(lambda *vs: evaluate(tree, vs, VALUE_BACKEND))(*xs))
    assert_close(our_h, torch_hessian(their_out, tensors), ours.scale, "hessian")
