"""Fuzzing: hypothesis writes random programs of ops and runs them through the engine.

A program is a list of instructions over a growing list of values (the inputs first, then one
new value per instruction), like a tiny stack machine: ``("log", 2)`` appends ``log(values[2])``,
``("div", 0, 3)`` appends ``values[0] / values[3]``, ``("rpow", 1, 2.0)`` appends
``2.0 ** values[1]``. Operand indices are taken modulo the number of values so far, so every
drawn program is valid; inputs and constants include the domain edges (0, negatives for
log/sqrt, huge values for exp, tiny divisors).

What must hold for every program:

* Only the documented exceptions escape, and their message names the op: ``ValueError``
  (log/sqrt/pow domain), ``ZeroDivisionError``, ``OverflowError``. Never ``TypeError`` and
  friends: every program here is valid.
* Where the program is smooth at the inputs (no exception, no kink or domain edge crossed,
  every value finite and well scaled, on the whole finite-difference stencil), the gradients
  are finite, and they match central finite differences wherever those are trustworthy
  (two step sizes agree).
* ``gradients(..., create_graph=True)`` and one-value-per-sample batches give the same numbers.

The default profiles run a few hundred programs; ``HYPOTHESIS_PROFILE=fuzz`` runs 10,000
(``make fuzz``, part of ``make test``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from autograd import Value, dot, gradients, sum_values, topological_order

UNARY = ("neg", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "sin", "cos", "relu", "abs")
BINARY = ("add", "sub", "mul", "div", "pow")
WITH_CONSTANT = ("add", "rsub", "mul", "div", "rdiv", "pow", "rpow")  # x op c, or c op x for r*
DOCUMENTED = (ValueError, ZeroDivisionError, OverflowError)
OP_NAMES = (*UNARY, *BINARY, "sum", "dot")

EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 1e-300, -1e-300, 1e-8, -1e-8, 5e-324, 700.0, 710.0, -745.0]
CONSTANTS = [*EDGES, 3.0, -3.0, 1.5, -0.5, 1e300, -1e300, math.e]

numbers = st.one_of(
    st.sampled_from(EDGES),
    st.floats(-5.0, 5.0, allow_nan=False),
    st.floats(-1e3, 1e3, allow_nan=False),
)
constants = st.one_of(st.sampled_from(CONSTANTS), st.floats(-10.0, 10.0, allow_nan=False))
index = st.integers(0, 63)

instruction = st.one_of(
    st.tuples(st.sampled_from(UNARY), index),
    st.tuples(st.sampled_from(BINARY), index, index),
    st.tuples(st.sampled_from(WITH_CONSTANT).map("c_".__add__), index, constants),
    st.tuples(st.just("sum"), st.lists(index, min_size=1, max_size=4)),
    st.tuples(st.just("dot"), st.lists(st.tuples(index, index), min_size=1, max_size=3), st.booleans()),
)
programs = st.lists(instruction, min_size=1, max_size=8)
input_lists = st.lists(numbers, min_size=1, max_size=3)


# --- running a program ---------------------------------------------------------------------


def _pick(values: list[Any], i: int) -> Any:
    return values[i % len(values)]


def _apply(ins: tuple[Any, ...], values: list[Any]) -> Any:
    name = ins[0]
    if name in UNARY:
        return getattr(_pick(values, ins[1]), "__neg__" if name == "neg" else name)()
    if name in BINARY:
        a, b = _pick(values, ins[1]), _pick(values, ins[2])
        return {"add": a.__add__, "sub": a.__sub__, "mul": a.__mul__, "div": a.__truediv__}.get(
            name, a.__pow__
        )(b)
    if name.startswith("c_"):
        x, c = _pick(values, ins[1]), ins[2]
        ops = {
            "c_add": lambda: x + c,
            "c_rsub": lambda: c - x,
            "c_mul": lambda: x * c,
            "c_div": lambda: x / c,
            "c_rdiv": lambda: c / x,
            "c_pow": lambda: x**c,
            "c_rpow": lambda: c**x,
        }
        return ops[name]()
    if name == "sum":
        return sum_values([_pick(values, i) for i in ins[1]])
    pairs, with_bias = ins[1], ins[2]
    weights = [_pick(values, i) for i, _ in pairs]
    inputs = [_pick(values, j) for _, j in pairs]
    return dot(weights, inputs, _pick(values, pairs[0][0] + 1) if with_bias else None)


def _kink_side(ins: tuple[Any, ...], values: list[Any]) -> Any:
    """Which side of a kink or domain edge the instruction's input is on.

    ``None`` for an op without edges; ``0`` means "on an edge, or where the op is not
    differentiable in every argument" (then the program is not smooth at these inputs).
    """
    name = ins[0]
    if name in ("relu", "abs", "log", "sqrt", "c_pow", "c_rdiv"):
        return np.sign(_pick(values, ins[1]).data)
    if name == "div":
        return np.sign(_pick(values, ins[2]).data)
    if name == "pow":  # d/d(exponent) needs a positive base
        return 1.0 if _pick(values, ins[1]).data > 0 else 0.0
    if name == "c_rpow":  # c ** x: defined around x only for c > 0
        return 1.0 if ins[2] > 0 else 0.0
    return None


def run(
    program: list[tuple[Any, ...]], inputs: list[Any], batched: bool = False
) -> tuple[list[Value], list[Value], tuple[Any, ...]]:
    """Execute ``program``; return the leaves, every value, and (scalars) the kink-side signature."""
    leaves = [Value(x) for x in inputs]
    values: list[Value] = list(leaves)
    sides = []
    for ins in program:
        if not batched:
            sides.append(_kink_side(ins, values))
        values.append(_apply(ins, values))
    return leaves, values, tuple(sides)


def _check_documented(exc: BaseException) -> None:
    assert isinstance(exc, DOCUMENTED), f"undocumented exception {type(exc).__name__}: {exc}"
    assert str(exc).split(":")[0] in OP_NAMES, f"the message does not name the op: {exc!r}"


def _try_run(program: list[tuple[Any, ...]], inputs: list[Any]) -> Any:
    """``run``, or None when a documented exception stopped it (any other exception fails)."""
    try:
        return run(program, inputs)
    except DOCUMENTED as exc:
        _check_documented(exc)
        return None


# --- the properties ------------------------------------------------------------------------

# "Well scaled": magnitudes where the chain rule's intermediate products cannot overflow or
# underflow for programs of <= 8 ops (each local derivative stays within ~1e+-100).
SCALE_LIMIT = 1e12
STEP = 1e-6  # relative finite-difference step: truncation ~1e-12, rounding ~1e-10 of the scale


def _well_scaled(values: list[Value]) -> bool:
    return all(v.data == 0.0 or 1.0 / SCALE_LIMIT <= abs(v.data) <= SCALE_LIMIT for v in values)


def _smooth(values: list[Value], sides: tuple[Any, ...]) -> bool:
    """Every value (constants too) well scaled, and no op sitting on a kink or domain edge."""
    in_graph = topological_order(values[-1])
    return _well_scaled(values + in_graph) and all(side != 0 for side in sides if side is not None)


def _central_difference(program: list[Any], inputs: list[float], i: int, h: float) -> float | None:
    """(f(x + h e_i) - f(x - h e_i)) / 2h, or None when a stencil point leaves the smooth piece."""
    results = []
    for sign in (1.0, -1.0):
        shifted = list(inputs)
        shifted[i] += sign * h
        outcome = _try_run(program, shifted)
        if outcome is None:
            return None
        results.append(outcome)
    (_, plus, plus_sides), (_, minus, minus_sides) = results
    if not (_well_scaled(plus) and _well_scaled(minus)):
        return None
    return (plus[-1].data - minus[-1].data) / (2 * h), plus_sides, minus_sides  # type: ignore[return-value]


def _check_gradients_where_smooth(
    program: list[Any], inputs: list[float], leaves: list[Value], values: list[Value], sides: tuple[Any, ...]
) -> None:
    root = values[-1]
    grads = gradients(root, leaves)
    root.backward()
    for leaf, g in zip(leaves, grads, strict=True):
        assert leaf.grad == pytest.approx(g, rel=1e-12, abs=1e-300, nan_ok=True)
    with_graph = gradients(root, leaves, create_graph=True)
    for g, g_graph in zip(grads, with_graph, strict=True):
        g_graph = float(getattr(g_graph, "data", g_graph))
        assert g_graph == pytest.approx(g, rel=1e-12, abs=1e-300, nan_ok=True)

    if not _smooth(values, sides):
        event("not smooth at the inputs")
        return
    assert all(math.isfinite(g) for g in grads), f"non-finite gradient {grads} where the program is smooth"
    compared = 0
    for i, x in enumerate(inputs):
        h = STEP * max(1.0, abs(x))
        estimates = []
        for step in (h, h / 4):
            fd = _central_difference(program, inputs, i, step)
            if fd is None or fd[1] != sides or fd[2] != sides:  # an edge inside the stencil
                break
            estimates.append(fd[0])
        if len(estimates) < 2:
            continue
        coarse, fine = estimates
        # Rounding error of a central difference: ~1e-16 * |f| / step, amplified by the
        # program's cancellations (allowed: 1000x). Truncation error: ~step**2, so the
        # fine estimate is ~16x closer to the truth than the coarse one; |coarse - fine|
        # bounds its error. Trust the estimate only when the two steps agree.
        scale = max(abs(v.data) for v in values)
        noise = 1e-13 * scale / (h / 4)
        if abs(coarse - fine) > 1e-4 * abs(fine) + 10 * noise:
            continue
        compared += 1
        assert abs(grads[i] - fine) <= abs(coarse - fine) + 10 * noise + 1e-10 * abs(fine) + 1e-12, (
            f"gradient mismatch for input {i}: analytic {grads[i]!r}, numeric {fine!r} "
            f"(coarse step: {coarse!r})"
        )
    event("gradients compared with finite differences" if compared else "finite differences unreliable")


def _check_batched(program: list[Any], samples: list[list[float]], scalar_runs: list[Any]) -> None:
    """One batched run over all samples equals the per-sample scalar runs."""
    batch_inputs = [np.array(column) for column in zip(*samples, strict=True)]
    try:
        leaves, values, _ = run(program, batch_inputs, batched=True)
    except DOCUMENTED as exc:
        _check_documented(exc)
        raise AssertionError(f"the batch raised {exc!r} where every sample ran") from exc
    root = values[-1]
    out = root.sum() if isinstance(root.data, np.ndarray) else root
    out.backward()
    for k, (scalar_leaves, scalar_values, _) in enumerate(scalar_runs):
        scalar_values[-1].backward()
        scale = max(abs(v.data) for v in scalar_values)
        batch_out = root.data[k] if isinstance(root.data, np.ndarray) else root.data
        assert batch_out == pytest.approx(scalar_values[-1].data, rel=1e-9, abs=1e-12 * scale)
        for leaf, scalar_leaf in zip(leaves, scalar_leaves, strict=True):
            g = leaf.grad[k] if isinstance(leaf.grad, np.ndarray) else leaf.grad
            if isinstance(root.data, np.ndarray):
                assert g == pytest.approx(scalar_leaf.grad, rel=1e-6, abs=1e-9)


@pytest.mark.fuzz
@given(programs, input_lists, st.data())
def test_random_programs(program, inputs, data):
    note(f"program = {program!r}\ninputs = {inputs!r}")
    outcome = _try_run(program, inputs)
    if outcome is None:
        event("stopped by a documented exception")
        return
    leaves, values, sides = outcome
    try:
        _check_gradients_where_smooth(program, inputs, leaves, values, sides)
    except DOCUMENTED as exc:
        _check_documented(exc)
        event("backward raised a documented exception")
        return

    # A second sample for the same program, then the batched run of both.
    other = data.draw(st.lists(numbers, min_size=len(inputs), max_size=len(inputs)), label="other")
    other_outcome = _try_run(program, other)
    runs = [outcome, other_outcome]
    if other_outcome is None or not all(_smooth(r[1], r[2]) for r in runs):
        return
    _check_batched(program, [inputs, other], [run(program, inputs), run(program, other)])
