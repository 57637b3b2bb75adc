"""Differential fuzzing against PyTorch float64: random programs over every op, every way of
differentiating them, compared number for number.

An example is a random program (:mod:`programs`: every op of ``autograd.OPS``, scalar and
batched leaves, reused values, special points 0, -0, +-1, kinks, huge, tiny, subnormal, inf,
NaN; some instructions run under ``no_grad``, ``enable_grad`` inside ``no_grad``, or while a
second thread sits inside ``no_grad``/``detect_anomaly``), a way to differentiate it (a
*route*: ``backward()``, ``gradients``, ``gradients(create_graph=True)`` up to third order,
the transforms ``grad``/``hessian``/``grad(grad(grad(f)))``) and optionally a *feature*: a
``Tape`` replay on new data, a pickle or deepcopy of the graph, a leaf changed under a built
graph, a ``Value`` as seed ... Anomaly mode may be switched on for a second run.

What counts as agreement
------------------------
* **Forward, per instruction**: PyTorch runs the same instruction on the *same* input numbers
  (after each instruction its result is replaced by chainrule's, through a detached correction
  that keeps its graph), so an ulp of difference never snowballs and a mismatch points at one
  instruction. ``exact`` ops (IEEE arithmetic, relu, abs) must give the same bits (0.0
  and -0.0 are equal); ``ulps`` ops (libm functions) agree within ``FORWARD_ULPS`` ulp or
  ``FORWARD_FLOOR`` absolute (results in the subnormal range, where sigmoid's two stable
  formulas differ); ``reduction`` ops (sum over a batch, a neuron's dot) within ``n * eps *
  sum |terms|`` (another summation order). NaN equals NaN; infinities must match in sign.
* **Derivatives** (orders 1-3): within ``RTOL[order] * |torch| + ATOL_NOISE * noise +
  SCALE_RTOL * largest + DERIVATIVE_FLOOR``. ``RTOL``: each op's local derivative is within
  a few ulp in both engines and a program of <= 7 ops multiplies <= ~20 of them per path
  (order 3 adds ~3x the terms), so ~1e-14 relative is the honest error; 1e-10 (order 1) to
  1e-8 (order 3) leaves four orders of magnitude of room while a wrong rule is off by O(1).
  ``noise`` is how much PyTorch's own answer moves when every intermediate value moves by 16
  ulp, when every non-zero leaf moves by 16 ulp of max(|x|, 1) (the rounding of an op's own
  output, such as sigmoid's 0.5 - 2.5e-9 whose 1 - 2 * out cancels, is seen only this way),
  plus how much it moves without the forward correction above: where a derivative cancels
  (``1 - tanh**2`` near saturation, ``a*b - a*b'``) the absolute error is set by the terms,
  not the result, and this measures it instead of guessing. It cannot where a leaf is 0 (16
  ulp of 0 is 0): there ``largest``, the largest |entry| PyTorch gives at that order, bounds
  the terms that can cancel (d/dx of x/x is 0; PyTorch says -4e-16, from 1/x - x/x**2).
  NaN equals NaN, infinities match in sign; NaN against an infinity is accepted
  (``NONFINITE_KINDS``: both engines say "no number", and which kind depends on the order of
  an overflowing product, e.g. ``inf * 0`` in one, ``inf * 5e-324`` in the other). Where the
  program takes sqrt of -0.0, infinities may differ in sign (``_sqrt_of_negative_zero``).
* **Both raise, or a documented divergence**: where chainrule raises a clear error and
  PyTorch returns inf/NaN, the pair must be listed in ``DIVERGENCES`` (op, exception, the
  condition on the operands, the reason); then the example ends there. Any other exception,
  and any divergence whose condition does not hold, is a mismatch. A derivative may raise a
  documented exception only where PyTorch's derivative of that order is not finite.
* **Anomaly mode**: the same example run again inside ``detect_anomaly()`` gives the same
  bits; it may raise ``AnomalyError`` only where some PyTorch value or derivative is not finite.
* **Replays**: ``Tape.forward``/``backward`` on new leaf data give the same bits as building
  the graph fresh on that data (itself checked against PyTorch), or raise a clear error where
  the fresh build raises (different batch sizes, a 2-D array) or refuses the change.

Known-broken categories
-----------------------
``KNOWN_BROKEN`` names the categories of issue 12 that the engine gets wrong today, with
what goes wrong. Optional features of a broken category are not drawn; condition categories
(NaN into a kink, a sample at an infinite derivative, a false alarm) are recognised by their
condition and counted as a hypothesis event instead of failing. Remove an entry as its fix
lands: the fuzzer then checks it, and its reproducer in ``test_catalogued_reproducers``
(strict xfail while listed) turns green.

Profiles: ``ci`` (derandomized, ``CI_EXAMPLES`` examples, ~60 s of one slow core) and
``differential-long`` (``HYPOTHESIS_PROFILE=differential-long``: 20,000 examples, ~30 min).
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from programs import (
    EPS,
    SPECIAL,
    TWINS,
    Instruction,
    Leaf,
    Program,
    Stopped,
    as_tensor,
    cone,
    numbers,
    numbers_of,
    programs,
    run_ours,
    run_theirs,
    their_operands,
)

from autograd import (
    OPS,
    AnomalyError,
    Tape,
    Value,
    detect_anomaly,
    grad,
    gradients,
    hessian,
    sum_values,
)

# Special points overflow and divide by zero on purpose; the engines' answers are what is compared.
pytestmark = [pytest.mark.differential, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

# --- the known-broken categories (issue 12) -------------------------------------------------

KNOWN_BROKEN: dict[str, str] = {
    "singular_higher_order": "(1) a second derivative through a sample where a first derivative is "
    "infinite (sqrt at 0, x**b at 0 with b < 1): chainrule's inf is a constant, so the derivative "
    "of that sample is 0 (PyTorch: -inf) and, batched, the whole batch loses that term",
    "replay_changed_shape": "(2) Tape replays after a batch size changed (mean keeps 1/old n), "
    "different sizes meeting (numpy's broadcast error), 2-D and float32 leaves (accepted)",
    "stale_graph": "(3) backward after a leaf's .data changed mixes old and new forward values",
    "transform_returns_floats": "(4) hessian/jacobian inside grad return floats: constants",
    "repeated_argnums": "(4) grad(f, argnums=(0, 0)) gives (0.0, df/dx)",
    "float_in_transform": "(4) float(x), math.sin(x) on a traced Value become silent constants",
    "nan_kinks": "(5) relu/abs of NaN: scalar relu(nan) = 0.0; gradients differ from PyTorch",
    "thread_local_modes": "(6) no_grad, detect_anomaly and the transforms' nesting leak across threads",
    "anomaly_false_alarms": "(7) detect_anomaly raises where every number is finite",
    "batched_backward_without_seed": "(8) backward() of a batched value silently sums",
    "pickle_and_copy": "(11) pickle fails (lambdas in the op table); deepcopy loses constants",
    "value_seed": "(13) a Value passed as backward seed turns .grad into graphs",
    "pow_infinite_exponent": "(new) a negative base to an infinite power raises 'non-integer exponent'; "
    "IEEE and PyTorch: (-2)**inf = inf, (-0.5)**inf = 0, (-inf)**-inf = 0",
}


def broken(category: str) -> bool:
    assert category in KNOWN_BROKEN or category in _FIXED, f"unknown category {category!r}"
    return category in KNOWN_BROKEN


_FIXED: set[str] = set()  # categories whose KNOWN_BROKEN entry was removed (names stay valid)


def _event(message: str) -> None:
    """A hypothesis event (statistics), also callable from a plain test (the reproducers)."""
    with suppress(InvalidArgument):
        event(message)


class KnownBroken(Exception):
    """The example hit a category listed in ``KNOWN_BROKEN``: counted, not failed."""


class Mismatch(AssertionError):
    """chainrule and PyTorch disagree outside every documented divergence."""


# --- documented divergences -----------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    """chainrule raises ``error`` in ``op`` where PyTorch returns inf or NaN, on purpose."""

    op: str
    error: type[Exception]
    when: Callable[..., Any]  # operand numbers (and PyTorch's result) -> bool per sample
    reason: str


def _finite(*xs: Any) -> Any:
    result = True
    for x in xs:
        result = result & np.isfinite(x)
    return result


DIVERGENCES = (
    Divergence("log", ValueError, lambda a, out: a <= 0, "log(0) is -inf, log(<0) NaN in PyTorch"),
    Divergence("sqrt", ValueError, lambda a, out: a < 0, "sqrt(<0) is NaN in PyTorch"),
    Divergence("div", ZeroDivisionError, lambda a, b, out: b == 0, "x / 0 is inf or NaN in PyTorch"),
    Divergence("pow", ZeroDivisionError, lambda a, b, out: (a == 0) & (b < 0), "0 ** -b is inf in PyTorch"),
    Divergence(
        "pow",
        ValueError,
        lambda a, b, out: (a < 0) & np.isfinite(b) & (b != np.round(b)),
        "a negative base to a non-integer power is NaN in PyTorch",
    ),
    Divergence(
        "pow", OverflowError, lambda a, b, out: _finite(a, b) & np.isinf(out), "overflow is inf in PyTorch"
    ),
    Divergence("exp", OverflowError, lambda a, out: np.isfinite(a) & np.isinf(out), "overflow is inf"),
)

# --- tolerances -----------------------------------------------------------------------------

FORWARD_ULPS = 4
FORWARD_FLOOR = 1e-300
RTOL = {1: 1e-10, 2: 1e-9, 3: 1e-8}
ATOL_NOISE = 4.0
DERIVATIVE_FLOOR = 1e-280
SCALE_RTOL = 1e-13  # of the largest entry of the same order (module doc)
NONFINITE_KINDS = True  # a derivative NaN in one engine may be +-inf in the other (module doc)
NOISE_STEP = 2.0**-48  # 16 ulp of relative change in every intermediate value


def _equal_or_both_nan(ours: Any, theirs: Any) -> Any:
    return (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))


def _within(ours: Any, theirs: Any, tolerance: Any, nonfinite_kinds: bool = False) -> bool:
    ours, theirs = np.broadcast_arrays(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(ours - theirs) <= tolerance
    agree = _equal_or_both_nan(ours, theirs) | (close & _finite(ours, theirs))
    if nonfinite_kinds:  # NaN against +-inf (not +inf against -inf)
        agree |= (np.isnan(ours) & np.isinf(theirs)) | (np.isinf(ours) & np.isnan(theirs))
    return bool(np.all(agree))


def _forward_close(op: str, ours: Any, theirs: Any, operands: list[Any]) -> bool:
    kind = TWINS[op].forward
    if kind == "exact":
        return _within(ours, theirs, 0.0)
    if kind == "ulps":
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.maximum(np.abs(ours), np.abs(theirs))
        return _within(ours, theirs, FORWARD_ULPS * EPS * scale + FORWARD_FLOOR)
    numbers = [numbers_of(o) for o in operands]
    if op == "batch_sum":
        terms = [np.abs(numbers[0])]
    else:  # dot: w_i * x_i, and the bias
        n = len(numbers) // 2
        terms = [np.abs(numbers[i] * numbers[n + i]) for i in range(n)] + [
            np.abs(x) for x in numbers[2 * n :]
        ]
    total = sum(float(np.sum(t)) for t in terms)
    return _within(ours, theirs, 2 * (len(terms) + np.size(numbers[0])) * EPS * total + FORWARD_FLOOR)


# --- examples -------------------------------------------------------------------------------

ROUTES = ("backward", "gradients", "create_graph", "transforms")


@dataclass
class Example:
    program: Program
    route: str = "backward"
    order: int = 1
    reduction: str = "sum"  # a batched root: .sum(), .mean(), or a seed per sample
    seed: float = 1.0
    anomaly: bool = False
    feature: str = ""
    argnums: tuple[int, ...] = ()
    entry: tuple[int, int, int] = (0, 0, 0)  # grad(grad(grad(f))) entry, transforms at order 3
    new_data: list[Any] = field(default_factory=list)  # replays and stale graphs


def _features(program: Program, route: str) -> list[str]:
    features = ["", "", "", "replay", "deepcopy", "pickle", "stale"]
    if program.batched:
        features += ["replay_resize", "replay_mixed_sizes", "replay_2d", "replay_float32", "no_seed"]
    if route == "backward":
        features.append("value_seed")
    if route == "transforms":
        features = ["", "", "argnums", "thread_transform"]
    modes = any(ins.mode for ins in program.instructions)
    if modes:  # a node made under no_grad is a constant of the recorded graph: no replays
        features = [f for f in features if not f.startswith("replay")]
    blocked = {
        "replay_changed_shape": {"replay_resize", "replay_mixed_sizes", "replay_2d", "replay_float32"},
        "stale_graph": {"stale"},
        "pickle_and_copy": {"deepcopy", "pickle"},
        "value_seed": {"value_seed"},
        "batched_backward_without_seed": {"no_seed"},
        "thread_local_modes": {"thread_transform"},
        "repeated_argnums": set(),  # handled when argnums are drawn
    }
    for category, names in blocked.items():
        if broken(category):
            features = [f for f in features if f not in names]
    return features


def _modes() -> tuple[str, ...]:
    modes = ("no_grad", "enable_in_no_grad", "thread_no_grad", "thread_anomaly")
    return modes[:2] if broken("thread_local_modes") else modes


@st.composite
def examples(draw: st.DrawFn) -> Example:
    program = draw(programs(modes=_modes()), label="program")
    routes = ROUTES if not program.batched else ROUTES[:3]
    route = draw(st.sampled_from(routes), label="route")
    order = draw(st.integers(1, 3), label="order") if route in ("create_graph", "transforms") else 1
    example = Example(program, route, order)
    example.reduction = draw(st.sampled_from(["sum", "mean", "seed"]), label="reduction")
    example.seed = draw(st.sampled_from([1.0, -2.5]), label="seed")
    example.anomaly = draw(st.integers(0, 3), label="anomaly") == 0
    example.feature = draw(st.sampled_from(_features(program, route)), label="feature")
    n = len(program.leaves)
    if route == "transforms":
        if example.feature == "argnums":
            repeat = not broken("repeated_argnums")
            argnums = st.lists(st.integers(-n, n - 1), min_size=1, max_size=3, unique=not repeat)
            example.argnums = tuple(draw(argnums, label="argnums"))
            if not repeat and len({a % n for a in example.argnums}) < len(example.argnums):
                example.argnums = tuple(range(n))
        else:
            example.argnums = tuple(range(n))
        example.entry = tuple(draw(st.lists(st.integers(0, n - 1), min_size=3, max_size=3), label="entry"))  # type: ignore[assignment]
        if order == 3 and not broken("transform_returns_floats"):
            example.feature = draw(st.sampled_from(["", "grad_of_hessian"]), label="third order by")
    if example.feature.startswith("replay") or example.feature == "stale":
        if example.feature in RESHAPING and example.reduction == "seed":
            example.reduction = "sum"  # a seed per sample of the old batch fits no other batch
        batch = program.batch_size
        if example.feature == "replay_resize":
            batch = draw(st.sampled_from([b for b in (1, 2, 3, 4) if b != batch]), label="new batch size")
        example.new_data = [
            tuple(draw(st.lists(numbers, min_size=batch, max_size=batch))) if leaf.batched else draw(numbers)
            for leaf in program.leaves
        ]
    return example


# --- running an example ---------------------------------------------------------------------


def _reduce_ours(root: Value, reduction: str, seed: float) -> tuple[Value, Any]:
    if isinstance(root.data, np.ndarray):
        if reduction == "sum":
            return root.sum(), seed
        if reduction == "mean":
            return root.mean(), seed
        return root, seed * _per_sample(len(root.data))
    return root, seed


def _reduce_theirs(root: Any, reduction: str, seed: float) -> tuple[Any, Any]:
    if isinstance(root, torch.Tensor) and root.ndim == 1:
        if reduction == "sum":
            return root.sum(), as_tensor(seed)
        if reduction == "mean":
            return root.mean(), as_tensor(seed)
        return root, as_tensor(seed * _per_sample(len(root)))
    return root, as_tensor(seed)


def _per_sample(n: int) -> np.ndarray:
    return 1.0 + 0.5 * np.arange(n)


def _direction(leaf_numbers: Any, i: int, order: int) -> Any:
    """The fixed vector a derivative of order ``order`` is contracted with (Hessian-vector products)."""
    base = 1.0 + 0.5 * i if order == 2 else -0.75 + 0.5 * i
    if np.ndim(leaf_numbers) == 1:
        return base - 0.25 * np.arange(len(leaf_numbers))
    return base


def _contract_ours(grads: list[Any], leaves: list[Value], order: int) -> Value | None:
    terms = []
    for i, (g, leaf) in enumerate(zip(grads, leaves)):
        if isinstance(g, Value):
            terms.append((g * _direction(leaf.data, i, order)).sum())
    return sum_values(terms) if terms else None


def _contract_theirs(grads: list[Any], leaves: list[torch.Tensor], order: int) -> Any:
    total = None
    for i, (g, leaf) in enumerate(zip(grads, leaves)):
        if isinstance(g, torch.Tensor) and g.requires_grad:
            term = (g * as_tensor(_direction(leaf.detach().numpy(), i, order))).sum()
            total = term if total is None else total + term
    return total


def _their_grads(root: Any, leaves: list[torch.Tensor], seed: Any, create_graph: bool) -> list[Any]:
    if not (isinstance(root, torch.Tensor) and root.requires_grad):
        return [torch.zeros_like(leaf) for leaf in leaves]
    found = torch.autograd.grad(root, leaves, seed, create_graph=create_graph, allow_unused=True)
    return [torch.zeros_like(leaf) if g is None else g for g, leaf in zip(found, leaves)]


def _numbers(results: list[Any]) -> list[Any]:
    out = []
    for r in results:
        if isinstance(r, torch.Tensor):
            r = r.detach()
            out.append(float(r) if r.ndim == 0 else np.array(r.numpy(force=True), dtype=float))
        else:
            out.append(numbers_of(r))
    return out


def derivatives_ours(example: Example, leaves: list[Value], root: Value) -> list[list[Any]]:
    """The derivatives the example asks for, one list per order, computed by chainrule."""
    route, order = example.route, example.order
    r, seed = _reduce_ours(root, example.reduction, example.seed)
    if route == "backward":
        if example.feature == "value_seed":
            seed = Value(seed) if not isinstance(seed, np.ndarray) else Value(seed)
        r.backward(seed)
        grads = [leaf.grad for leaf in leaves]
        if example.feature == "value_seed" and any(isinstance(g, Value) for g in grads):
            raise Mismatch("backward(seed=Value) left Value graphs in .grad")
        return [_numbers(grads)]
    if route == "gradients":
        return [_numbers(gradients(r, leaves, seed))]
    results = []
    grads = gradients(r, leaves, seed, create_graph=True)
    results.append(_numbers(grads))
    for k in range(2, order + 1):
        s = _contract_ours(grads, leaves, k)
        grads = [0.0] * len(leaves) if s is None else gradients(s, leaves, create_graph=True)
        results.append(_numbers(grads))
    return results


def derivatives_theirs(example: Example, leaves: list[torch.Tensor], root: Any) -> list[list[Any]]:
    r, seed = _reduce_theirs(root, example.reduction, example.seed)
    if example.route in ("backward", "gradients"):
        return [_numbers(_their_grads(r, leaves, seed, create_graph=False))]
    grads = _their_grads(r, leaves, seed, create_graph=True)
    results = [_numbers(grads)]
    for k in range(2, example.order + 1):
        s = _contract_theirs(grads, leaves, k)
        grads = [torch.zeros_like(x) for x in leaves] if s is None else _their_grads(s, leaves, None, True)
        results.append(_numbers(grads))
    return results


def transforms_ours(example: Example) -> list[list[Any]]:
    """The transforms route (scalar programs): grad, hessian, a third derivative entry."""
    program = example.program

    def f(*xs: Any) -> Any:  # arguments a transform does not differentiate arrive as floats
        return run_ours(program, [], leaves=[x if isinstance(x, Value) else Value(x) for x in xs])[1][-1]

    xs = [float(x) for x in program.leaf_data()]
    if example.feature == "thread_transform":
        with _other_thread_inside_a_transform():
            return _transforms(example, f, xs)
    return _transforms(example, f, xs)


@contextmanager
def _other_thread_inside_a_transform() -> Iterator[None]:
    """A second thread sits inside ``grad``'s function while the body runs."""
    entered, release = threading.Event(), threading.Event()

    def inner(x: Any) -> Any:
        entered.set()
        release.wait(10)
        return x * x

    thread = threading.Thread(target=lambda: grad(inner)(1.0), daemon=True)
    thread.start()
    entered.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


def _transforms(example: Example, f: Callable[..., Any], xs: list[float]) -> list[list[Any]]:
    i, j, k = example.entry
    if example.order == 1:
        result = list(grad(f, argnums=example.argnums)(*xs))
    elif example.order == 2:
        result = [entry for row in hessian(f)(*xs) for entry in row]
    elif example.feature == "grad_of_hessian":
        result = [grad(lambda *a: hessian(f)(*a)[i][j], argnums=k)(*xs)]
    else:
        result = [grad(lambda *a: grad(lambda *b: grad(f, i)(*b), j)(*a), k)(*xs)]
    for r in result:
        if type(r) is not float:
            raise Mismatch(f"a transform returned {type(r).__name__} {r!r} instead of a float")
    return [result]


def transforms_theirs(example: Example, leaves: list[torch.Tensor], root: Any) -> list[list[Any]]:
    first = _their_grads(root, leaves, None, create_graph=True)
    if example.order == 1:
        return [_numbers([first[a] for a in example.argnums])]
    rows = [_their_grads(g, leaves, None, create_graph=True) for g in first]
    if example.order == 2:
        return [_numbers([entry for row in rows for entry in row])]
    i, j, k = example.entry
    return [_numbers([_their_grads(rows[i][j], leaves, None, create_graph=False)[k]])]


def _their_run(
    program: Program,
    data: list[Any],
    ours: list[Any] | None,
    stop: int | None = None,
    raw: list[Any] | None = None,
    nudge: float = 0.0,
) -> Any:
    """PyTorch's run; with ``ours`` (chainrule's values) each result is corrected to chainrule's
    numbers, keeping PyTorch's graph; ``raw`` collects the results before the correction. With
    ``nudge`` instead, each result is corrected to ``result * (1 + nudge)``."""
    n_leaves = len(program.leaves)

    def sync(index: int, out: Any) -> Any:
        if raw is not None:
            raw.append(out)
        if not isinstance(out, torch.Tensor):
            return out
        if nudge:
            mine = out.detach() * (1 + nudge)
        elif ours is None or n_leaves + index >= len(ours):
            return out
        else:
            mine = as_tensor(numbers_of(ours[n_leaves + index]))
        with torch.no_grad():
            correction = torch.where(torch.isfinite(mine) & torch.isfinite(out), mine - out, 0.0)
        return out + correction

    return run_theirs(program, data, sync=sync, stop=stop)


def _check_forward(program: Program, data: list[Any], ours: list[Any]) -> None:
    """Each instruction's result against PyTorch's on the same (synchronised) inputs."""
    n_leaves = len(program.leaves)
    raw: list[Any] = []
    _, theirs = _their_run(program, data, ours, raw=raw)
    for index, ins in enumerate(program.instructions):
        mine, their = numbers_of(ours[n_leaves + index]), numbers_of(raw[index])
        if np.shape(mine) != np.shape(their):
            raise Mismatch(
                f"forward, instruction {index} ({ins.op}): shape {np.shape(mine)} vs {np.shape(their)}"
            )
        operands = their_operands(program, theirs[: n_leaves + index], index)
        if not _forward_close(ins.op, mine, their, operands):
            raise Mismatch(
                f"forward, instruction {index} ({ins.op}) on {[numbers_of(o) for o in operands]}: "
                f"chainrule {mine!r}, PyTorch {their!r}"
            )


def _check_stop(program: Program, stopped: Stopped, data: list[Any]) -> None:
    """chainrule raised at an instruction: agreement only for a documented divergence."""
    ins = program.instructions[stopped.index]
    ours = [numbers_of(v) for v in stopped.values]
    _, theirs = _their_run(program, data, ours, stop=stopped.index + 1)
    operands = [numbers_of(o) for o in stopped.operands]
    out = numbers_of(theirs[-1])
    error = stopped.error
    for divergence in DIVERGENCES:
        if divergence.op == ins.op and type(error) is divergence.error:
            with np.errstate(invalid="ignore"):
                if np.any(divergence.when(*operands, out)):
                    if not str(error).startswith(f"{ins.op}:"):
                        raise Mismatch(f"{ins.op} raised {error!r}: the message does not name the op")
                    _event(f"documented divergence: {ins.op} {type(error).__name__}")
                    return
    raise Mismatch(
        f"instruction {stopped.index} ({ins.op}) on {operands} raised {type(error).__name__}: {error}; "
        f"PyTorch gives {out!r}"
    )


def _noise(example: Example, data: list[Any], synced: list[list[Any]]) -> list[list[Any]]:
    """How much PyTorch's own derivatives move under rounding-sized changes (see the module doc):
    without the forward correction, and with every intermediate value moved by 16 ulp."""
    runs = [
        _their_derivatives(example, data, None),
        _their_derivatives(example, data, None, nudge=NOISE_STEP),
        _their_derivatives(example, [_nudge_leaf(x) for x in data], None),
    ]
    noise = []
    for order, row in enumerate(synced):
        noise_row = []
        for index, x in enumerate(row):
            total = np.zeros(np.shape(x))
            for run in runs:
                with np.errstate(invalid="ignore", over="ignore"):
                    moved = np.abs(np.asarray(x) - np.asarray(run[order][index]))
                total = total + np.where(np.isfinite(moved), moved, 0.0)
            noise_row.append(total)
        noise.append(noise_row)
    return noise


def _nudge_leaf(x: Any) -> Any:
    """``x`` moved by 16 ulp of max(|x|, 1); zeros stay (kinks and edges sit there)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x == 0, x, x + NOISE_STEP * np.maximum(np.abs(x), 1.0))


def _their_derivatives(
    example: Example, data: list[Any], ours: list[Any] | None, nudge: float = 0.0
) -> list[list[Any]]:
    tensors, theirs = _their_run(example.program, data, ours, nudge=nudge)
    if example.route == "transforms":
        return transforms_theirs(example, tensors, theirs[-1])
    return derivatives_theirs(example, tensors, theirs[-1])


def _largest_finite(entries: list[Any]) -> float:
    finite = [np.abs(e)[np.isfinite(e)] for e in map(np.asarray, entries)]
    return max((float(f.max()) for f in finite if f.size), default=0.0)


def _compare_derivatives(
    mine: list[list[Any]], theirs: list[list[Any]], noise: list[list[Any]], signs_of_inf: bool = True
) -> None:
    for order, (a, b, n) in enumerate(zip(mine, theirs, noise), start=1):
        floor = DERIVATIVE_FLOOR + SCALE_RTOL * _largest_finite(b)
        for index, (x, y, z) in enumerate(zip(a, b, n)):
            if np.ndim(x) != np.ndim(y) and not (np.ndim(x) == 0 and x == 0.0 and np.all(y == 0)):
                raise Mismatch(f"order {order}, entry {index}: chainrule {x!r} vs PyTorch {y!r} (shape)")
            with np.errstate(invalid="ignore", over="ignore"):
                tolerance = RTOL[order] * np.abs(y) + ATOL_NOISE * z + floor
            tolerance = np.where(np.isfinite(tolerance), tolerance, 0.0)
            if not signs_of_inf:  # a documented divergence: +inf against -inf is accepted
                x, y = np.where(np.isinf(x), np.abs(x), x), np.where(np.isinf(y), np.abs(y), y)
            if not _within(x, y, tolerance, NONFINITE_KINDS):
                raise Mismatch(f"order {order}, entry {index}: chainrule {x!r}, PyTorch {y!r} (noise {z!r})")


def _all_finite(nested: Any) -> bool:
    """True when every number in a (nested list of) numbers, arrays, values or tensors is finite."""
    if isinstance(nested, list):
        return all(_all_finite(x) for x in nested)
    return bool(np.all(np.isfinite(numbers_of(nested))))


@dataclass
class Outcome:
    """What chainrule did with an example: forward values and derivatives, or the error."""

    values: list[Any] | None = None
    derivatives: list[list[Any]] | None = None
    error: BaseException | None = None


def _run_ours(example: Example, data: list[Any]) -> tuple[Outcome, list[Value] | None, list[Any] | None]:
    outcome = Outcome()
    try:
        leaves, values = run_ours(example.program, data)
    except Stopped as stopped:
        outcome.error = stopped
        return outcome, None, None
    outcome.values = [numbers_of(v) for v in values]
    try:
        if example.route == "transforms":
            outcome.derivatives = transforms_ours(example)
        else:
            root = values[-1]
            if example.feature in ("deepcopy", "pickle"):
                leaves, root = _round_trip(example.feature, leaves, root)
            outcome.derivatives = derivatives_ours(example, leaves, root)
    except Mismatch:
        raise
    except Exception as error:
        outcome.error = error
    return outcome, leaves, values


def _round_trip(how: str, leaves: list[Value], root: Value) -> tuple[list[Value], Value]:
    try:
        copied = (
            copy.deepcopy((leaves, root)) if how == "deepcopy" else pickle.loads(pickle.dumps((leaves, root)))
        )
    except Exception as error:
        raise Mismatch(f"{how} of a graph failed: {type(error).__name__}: {error}") from error
    return copied


def _operands_seen(example: Example, theirs: list[Any]) -> list[tuple[str, list[Any]]]:
    """(op, operand numbers) of each instruction, as PyTorch ran it."""
    program = example.program
    n = len(program.leaves)
    return [
        (ins.op, [numbers_of(o) for o in their_operands(program, theirs[: n + index], index)])
        for index, ins in enumerate(program.instructions)
        if n + index < len(theirs)
    ]


def _singular(example: Example, theirs: list[Any]) -> bool:
    """Order >= 2 where some sample sits at an infinite first derivative: sqrt at 0, a**b at a = 0, b < 1."""
    if example.order < 2:
        return False
    for op, operands in _operands_seen(example, theirs):
        with np.errstate(invalid="ignore"):
            if op == "sqrt" and np.any(operands[0] == 0):
                return True
            if op == "pow" and np.any((operands[0] == 0) & (operands[1] < 1)):
                return True
    return False


def _nan_into_kink(example: Example, theirs: list[Any]) -> bool:
    return any(op in ("relu", "abs") and np.any(np.isnan(a[0])) for op, a in _operands_seen(example, theirs))


def _pow_infinite_exponent(example: Example, theirs: list[Any]) -> bool:
    return any(
        op == "pow" and np.any(np.isinf(a[1]) & (np.asarray(a[0]) < 0))
        for op, a in _operands_seen(example, theirs)
    )


def _sqrt_of_negative_zero(example: Example, theirs: list[Any]) -> bool:
    """A documented divergence: sqrt'(-0.0) is +inf in chainrule (the derivative at 0, whose
    sign of zero does not matter), -inf in PyTorch (0.5 / sqrt(-0.0) = 0.5 / -0.0). Every
    infinity downstream may then differ in sign."""
    return any(
        op == "sqrt" and np.any((a[0] == 0) & np.signbit(a[0])) for op, a in _operands_seen(example, theirs)
    )


# The known-broken categories recognised by a condition on the example (the rest are features).
CONDITIONS: dict[str, Callable[[Example, list[Any]], bool]] = {
    "nan_kinks": _nan_into_kink,
    "singular_higher_order": _singular,
    "pow_infinite_exponent": _pow_infinite_exponent,
}


def check(example: Example, top: bool = True, classify: bool = True) -> None:
    """Run ``example`` in both engines; raise ``Mismatch`` on disagreement (``KnownBroken``
    instead, with ``classify``, when a listed category explains it)."""
    program = example.program
    data = program.leaf_data()
    outcome, leaves, values = _run_ours(example, data)
    _, theirs = _their_run(program, data, None)
    try:
        _check_agreement(example, data, outcome, theirs, top)
    except Mismatch:
        for category, condition in CONDITIONS.items():
            if classify and broken(category) and condition(example, theirs):
                raise KnownBroken(category) from None
        raise
    if example.anomaly:
        _check_anomaly(example, data, outcome, classify)
    if outcome.error is None and leaves is not None and values is not None:
        _check_feature(example, leaves, values, outcome)


def _check_agreement(
    example: Example, data: list[Any], outcome: Outcome, theirs: list[Any], top: bool
) -> None:
    program = example.program
    if isinstance(outcome.error, Stopped):
        _check_stop(program, outcome.error, data)
        return
    assert outcome.values is not None
    _check_forward(program, data, outcome.values)
    synced = _their_derivatives(example, data, outcome.values)
    if outcome.error is not None:
        error = outcome.error
        if isinstance(error, DOCUMENTED_IN_DERIVATIVES) and not _all_finite(synced):
            _event(f"derivative raised {type(error).__name__} where PyTorch's is not finite")
            return
        raise Mismatch(
            f"differentiating raised {type(error).__name__}: {error}; PyTorch: {synced!r}"
        ) from error
    assert outcome.derivatives is not None
    signs_of_inf = not _sqrt_of_negative_zero(example, theirs)
    _compare_derivatives(outcome.derivatives, synced, _noise(example, data, synced), signs_of_inf)
    if top:
        _event(f"agreed: {example.route}, order {example.order}")


DOCUMENTED = DOCUMENTED_IN_DERIVATIVES = (OverflowError, ZeroDivisionError, ValueError)


def _check_anomaly(example: Example, data: list[Any], plain: Outcome, classify: bool) -> None:
    """Inside detect_anomaly(): the same bits, and AnomalyError only where PyTorch is not finite."""
    with detect_anomaly():
        flagged, _, _ = _run_ours(example, data)
    error = flagged.error.error if isinstance(flagged.error, Stopped) else flagged.error
    if isinstance(error, AnomalyError):
        their_values = _their_run(example.program, data, None)[1]
        finite = _all_finite(their_values) and _all_finite(_their_derivatives(example, data, None))
        if finite:
            if classify and broken("anomaly_false_alarms"):
                raise KnownBroken("anomaly_false_alarms")
            raise Mismatch(f"detect_anomaly raised where every PyTorch number is finite: {error}")
        _event("anomaly mode raised where PyTorch is not finite")
        return
    plain_error = plain.error.error if isinstance(plain.error, Stopped) else plain.error
    if type(error) is not type(plain_error):
        raise Mismatch(f"with detect_anomaly: {error!r}; without: {plain_error!r}")
    if error is None and not _same_bits(flagged.derivatives, plain.derivatives):
        raise Mismatch(f"detect_anomaly changed the numbers: {flagged.derivatives} vs {plain.derivatives}")


def _same_bits(a: Any, b: Any) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same_bits(x, y) for x, y in zip(a, b))
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


# --- features: replays, stale graphs, seeds -------------------------------------------------


def _new_leaf_data(example: Example) -> list[Any]:
    data = [np.array(x, dtype=np.float64) if isinstance(x, tuple) else x for x in example.new_data]
    if example.feature == "replay_mixed_sizes":
        batched = [i for i, x in enumerate(data) if isinstance(x, np.ndarray)]
        first = data[batched[0]]  # one sample against many: numpy would broadcast it silently
        data[batched[0]] = first[:1] if len(first) > 1 else np.append(first, 1.0)
    elif example.feature == "replay_2d":
        batched = [i for i, x in enumerate(data) if isinstance(x, np.ndarray)]
        data[batched[0]] = data[batched[0]].reshape(1, -1)
    elif example.feature == "replay_float32":
        data = [x.astype(np.float32) if isinstance(x, np.ndarray) else x for x in data]
    return data


def _check_feature(example: Example, leaves: list[Value], values: list[Any], outcome: Outcome) -> None:
    feature = example.feature
    if feature.startswith("replay"):
        _check_replay(example, leaves, values)
    elif feature == "stale":
        _check_stale(example, leaves, values)
    elif feature == "no_seed":
        root = values[-1]
        if isinstance(root.data, np.ndarray) and len(root.data) > 1:
            try:
                root.backward()
            except (ValueError, TypeError, RuntimeError) as error:
                assert re.search(r"sum|mean|seed", str(error)), f"unclear message: {error}"
                return
            raise Mismatch("backward() of a batched value without a seed did not refuse")


def _fresh(
    program: Program, data: list[Any], reduction: str, seed: float
) -> tuple[Any, list[Any]] | BaseException:
    """chainrule's answer on ``data`` built from scratch: (root data, leaf grads), or the error.

    Only the root's own graph is built: a replay (or a backward) never visits the rest.
    """
    try:
        leaves = [Value(x) for x in data]
        _, values = run_ours(program, data, leaves=leaves, only=cone(program))
        r, s = _reduce_ours(values[-1], reduction, seed)
        r.backward(s)
    except Stopped as stopped:
        return stopped.error
    except Exception as error:
        return error
    return numbers_of(r), [numbers_of(leaf.grad) for leaf in leaves]


RESHAPING = ("replay_resize", "replay_mixed_sizes", "replay_2d", "replay_float32")


def _clear_refusal(error: Any) -> bool:
    """A replay's refusal of new leaf data that says what is wrong (numpy's broadcast error does not)."""
    message = str(error)
    return (
        isinstance(error, (ValueError, TypeError))
        and not message.startswith("operands could not be broadcast")
        and re.search(r"batch|sample|tape|replay|1-D|2-D|dimension|shape|dtype|float32", message, re.I)
        is not None
    )


def _check_replay(example: Example, leaves: list[Value], values: list[Any]) -> None:
    """Tape replay on new leaf data: the bits of a fresh build, or the fresh build's refusal."""
    program = example.program
    root, seed = _reduce_ours(values[-1], example.reduction, example.seed)
    tape = Tape(root)
    data = _new_leaf_data(example)
    expected = _fresh(program, data, example.reduction, example.seed)
    for leaf, x in zip(leaves, data):
        leaf.data = x
        leaf.grad = 0.0
    try:
        out = tape.forward()
        tape.backward(seed)
        got: Any = (numbers_of(out), [numbers_of(leaf.grad) for leaf in leaves])
    except Exception as error:
        got = error
    reshaping = example.feature in RESHAPING
    unclear = "could not be broadcast" in str(expected) or not isinstance(expected, (TypeError, *DOCUMENTED))
    if reshaping and isinstance(expected, BaseException) and unclear:
        raise Mismatch(f"{example.feature}: building fresh refused unclearly: {expected!r}")
    if isinstance(got, BaseException):
        same_refusal = type(got) is type(expected) and str(got).split(":")[0] == str(expected).split(":")[0]
        if same_refusal or (reshaping and _clear_refusal(got)):
            _event(f"replay refused ({example.feature})")
            return
        raise Mismatch(f"{example.feature}: replay raised {got!r}; building fresh: {expected!r}")
    if isinstance(expected, BaseException):
        raise Mismatch(f"{example.feature}: replay gave {got!r}; building fresh raised {expected!r}")
    if not _same_bits(list(got[:1]) + got[1], list(expected[:1]) + expected[1]):
        raise Mismatch(f"{example.feature}: replay gave {got!r}; building fresh gave {expected!r}")
    # the fresh build on the new data is itself checked against PyTorch
    fresh_program = replace(program, leaves=tuple(Leaf(_as_leaf_data(x)) for x in data))
    check(Example(fresh_program, "backward", 1, example.reduction, example.seed), top=False)
    _event(f"replay agreed ({example.feature})")


def _as_leaf_data(x: Any) -> Any:
    return tuple(float(v) for v in x) if isinstance(x, np.ndarray) else float(x)


def _check_stale(example: Example, leaves: list[Value], values: list[Any]) -> None:
    """A leaf changed under a built graph: backward must refuse, or use the new data throughout."""
    data = _new_leaf_data(example)
    expected = _fresh(example.program, data, example.reduction, example.seed)
    root, seed = _reduce_ours(values[-1], example.reduction, example.seed)
    for leaf, x in zip(leaves, data):
        leaf.data = x
        leaf.grad = 0.0
    try:
        root.backward(seed)
    except (RuntimeError, ValueError) as error:
        _event("stale graph refused")
        assert re.search(r"changed|stale|replay|Tape", str(error)), f"unclear message: {error}"
        return
    if isinstance(expected, BaseException):
        raise Mismatch(f"stale graph: backward ran; building fresh on the new data raised {expected!r}")
    got = [numbers_of(leaf.grad) for leaf in leaves]
    if not _same_bits(got, expected[1]):
        raise Mismatch(f"stale graph: backward gave {got}; fresh on the new data {expected[1]}")


# --- the tests ------------------------------------------------------------------------------

CI_EXAMPLES = 400


def _budget(weight: float) -> settings:
    """``weight`` x the profile's examples (``ci``: ``CI_EXAMPLES`` for the main property)."""
    profile = settings()
    base = CI_EXAMPLES if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else profile.max_examples
    return settings(profile, max_examples=max(10, int(base * weight)))


@_budget(1.0)
@given(examples())
def test_chainrule_agrees_with_pytorch(example):
    try:
        check(example)
    except KnownBroken as known:
        event(f"known broken: {known}")


def test_every_op_has_a_pytorch_twin():
    assert set(TWINS) == set(OPS), (
        f"ops without a PyTorch twin in tests/programs.py: {sorted(set(OPS) - set(TWINS))}; "
        f"twins of ops that are gone: {sorted(set(TWINS) - set(OPS))}"
    )


def test_known_broken_names_issue_categories():
    assert KNOWN_BROKEN.keys() <= set(KNOWN_BROKEN) | _FIXED
    for name, why in KNOWN_BROKEN.items():
        assert re.match(r"\((\d+|new)\) ", why), f"{name}: say which category of issue 12 (or new)"


def test_special_points_cover_the_edges():
    assert {0.0, 1.0, -1.0, math.inf, -math.inf, 5e-324, 1e300} <= set(SPECIAL)
    assert any(math.isnan(x) for x in SPECIAL)


# --- one reproducer per catalogued category -------------------------------------------------


def _program(leaves: list[Any], *instructions: tuple[Any, ...]) -> Program:
    """``_program([2.0], ("mul", ("v", 0), ("c", 3.0)))``: leaves, then (op, operand, ...) tuples."""
    body = []
    for op, *operands in instructions:
        mode = operands.pop() if operands and isinstance(operands[-1], str) else ""
        body.append(Instruction(op, tuple(operands), mode))
    return Program(tuple(Leaf(tuple(x) if isinstance(x, list) else x) for x in leaves), tuple(body))


X, Y = ("v", 0), ("v", 1)  # the newest value, the one before it
REPRODUCERS: dict[str, list[Example]] = {
    # d2/dx2 of x * sqrt(x) at x = [0, 4]: PyTorch [inf, 0.375]; chainrule [inf, 0.5]
    "singular_higher_order": [
        Example(_program([[0.0, 4.0]], ("sqrt", X), ("mul", X, Y)), "create_graph", 2),
        Example(_program([0.0], ("sqrt", X)), "transforms", 2),  # PyTorch -inf, chainrule 0
    ],
    "replay_changed_shape": [
        Example(
            _program([[1.0, 2.0]], ("mul", X, X)),
            reduction="mean",
            feature="replay_resize",
            new_data=[(1.0, 2.0, 3.0)],
        ),
        Example(_program([[1.0, 2.0]], ("mul", X, X)), feature="replay_2d", new_data=[(1.0, 2.0)]),
        Example(_program([[0.1, 2.0]], ("exp", X)), feature="replay_float32", new_data=[(0.1, 2.0)]),
        Example(
            _program([[1.0, 2.0], [3.0, 4.0]], ("mul", X, Y)),
            feature="replay_mixed_sizes",
            new_data=[(1.0, 2.0), (3.0, 4.0)],
        ),
    ],
    "stale_graph": [Example(_program([2.0], ("exp", X), ("mul", X, Y)), feature="stale", new_data=[3.0])],
    "transform_returns_floats": [
        Example(_program([2.0], ("pow", X, ("c", 3.0))), "transforms", 3, feature="grad_of_hessian")
    ],
    "repeated_argnums": [
        Example(_program([3.0, 4.0], ("mul", X, Y)), "transforms", 1, feature="argnums", argnums=(0, 0))
    ],
    "nan_kinks": [
        Example(_program([math.nan], ("relu", X))),  # forward: chainrule 0.0, PyTorch nan
        Example(_program([[math.nan]], ("relu", X))),  # gradient: chainrule 0, PyTorch 1
        Example(_program([[math.nan]], ("abs", X))),  # gradient: chainrule nan, PyTorch 0
    ],
    "thread_local_modes": [
        Example(_program([2.0], ("mul", X, X, "thread_no_grad"))),
        Example(_program([0.0], ("mul", X, ("c", math.inf), "thread_anomaly"))),  # NaN: no alarm here
        Example(_program([2.0], ("mul", X, X)), "transforms", 1, feature="thread_transform", argnums=(0,)),
    ],
    "anomaly_false_alarms": [
        Example(_program([-2.0], ("pow", X, ("c", 3.0))), "transforms", 2, anomaly=True)
    ],
    "batched_backward_without_seed": [Example(_program([[1.0, 2.0]], ("mul", X, X)), feature="no_seed")],
    "pickle_and_copy": [
        Example(_program([2.0], ("mul", X, ("c", 3.0))), feature="pickle"),
        Example(_program([-2.0], ("pow", X, ("c", 2.0))), feature="deepcopy", anomaly=True),
    ],
    "value_seed": [Example(_program([2.0], ("mul", X, X)), seed=-2.5, feature="value_seed")],
    "pow_infinite_exponent": [Example(_program([-2.0], ("pow", X, ("c", math.inf))))],
}


def _reproducers() -> list[Any]:
    cases = []
    for category, examples_ in REPRODUCERS.items():
        mark = pytest.mark.xfail(
            broken(category), reason=KNOWN_BROKEN.get(category, ""), raises=AssertionError, strict=True
        )
        cases += [pytest.param(e, id=f"{category}-{i}", marks=mark) for i, e in enumerate(examples_)]
    return cases


@pytest.mark.parametrize("example", _reproducers())
def test_catalogued_reproducers(example):
    """Strict xfail while the category is in KNOWN_BROKEN: the day it passes, remove the entry."""
    check(example, classify=False)


def test_every_known_broken_category_has_a_reproducer():
    assert set(KNOWN_BROKEN) - {"float_in_transform"} <= set(REPRODUCERS)


def _deep_chain(n: int) -> Value:
    x = Value(1.0)
    for _ in range(n):
        x = x + 1.0
    return x


@pytest.mark.xfail(broken("pickle_and_copy"), reason=KNOWN_BROKEN.get("pickle_and_copy", ""), strict=True)
def test_deepcopy_of_a_long_chain():
    chain = _deep_chain(5_000)
    assert copy.deepcopy(chain).data == chain.data


@pytest.mark.xfail(
    broken("float_in_transform"), reason=KNOWN_BROKEN.get("float_in_transform", ""), strict=True
)
@pytest.mark.parametrize(
    "f, x, derivative",
    [
        (lambda x: x * float(x), 3.0, 6.0),
        (lambda x: x * math.sin(x), 1.0, math.sin(1.0) + math.cos(1.0)),
    ],
)
def test_floats_taken_from_traced_values(f, x, derivative):
    """A Value turned into a float inside a transform: refuse (as JAX does) or stay exact."""
    try:
        got = grad(f)(x)
    except TypeError:
        return
    assert got == pytest.approx(derivative, rel=1e-12)
