"""The oracle of the differential fuzzer: run an example in chainrule and in PyTorch float64 and
say whether they agree (``tests/test_differential.py`` draws the examples).

What counts as agreement
------------------------
* **Forward, per instruction**: PyTorch runs the same instruction on the *same* input numbers
  (after each instruction its result is replaced by chainrule's, through a detached correction
  that keeps its graph), so an ulp of difference never snowballs and a mismatch points at one
  instruction. ``exact`` ops (IEEE arithmetic, relu, abs) must give the same bits (0.0
  and -0.0 are equal); ``ulps`` ops (libm functions) agree within ``FORWARD_ULPS`` ulp or
  ``FORWARD_FLOOR`` absolute (results in the subnormal range, where sigmoid's two stable
  formulas differ); ``reduction`` ops (sum over a batch, a neuron's dot) within ``n * eps *
  sum |terms|`` (another summation order; ``logsumexp``: ``n * eps * (max |x| + |result|)``,
  a shift, a sum and a log). NaN equals NaN; infinities must match in sign.
* **Derivatives** (orders 1-3): within ``RTOL[order] * |torch| + ATOL_NOISE * noise +
  SCALE_RTOL * largest + DERIVATIVE_FLOOR``. ``RTOL``: each op's local derivative is within
  a few ulp in both engines and a program of <= 7 ops multiplies <= ~20 of them per path
  (order 3 adds ~3x the terms), so ~1e-14 relative is the honest error; 1e-10 (order 1) to
  1e-8 (order 3) leaves four orders of magnitude of room while a wrong rule is off by O(1).
  ``noise`` is how much PyTorch's own answer moves when every intermediate value moves by 16
  ulp (the value the op's own backward saved included: ``1 - tanh**2`` near saturation reads
  it, and no change of a leaf moves a saturated output), when every non-zero leaf moves by 16
  ulp of max(|x|, 1) (the rounding of an op's own output, such as sigmoid's 0.5 - 2.5e-9 whose
  1 - 2 * out cancels, is seen this way too),
  plus how much it moves without the forward correction above: where a derivative cancels
  (``1 - tanh**2`` near saturation, ``a*b - a*b'``) the absolute error is set by the terms,
  not the result, and this measures it instead of guessing. It cannot where a leaf is 0 (16
  ulp of 0 is 0), nor where the rounding sits in a rule (d/dx of x/x is 0; PyTorch says
  -1.4e-17, from 1/x - x/x**2, at every x): there ``largest`` bounds the terms that can
  cancel: the largest |entry| PyTorch gives at that order, or the largest |d root / d value|
  over the program's values (``node_scale``), whichever is larger.
  NaN equals NaN, infinities match in sign; NaN against an infinity is accepted
  (``NONFINITE_KINDS``: both engines say "no number", and which kind depends on the order of
  an overflowing product, e.g. ``inf * 0`` in one, ``inf * 5e-324`` in the other). Where the
  program takes sqrt (or a power) of -0.0, infinities may differ in sign
  (``sqrt_of_negative_zero``);
  where it touches inf or magnitudes beyond 1e150 at order 1, 1e100 at order 2, 1e75 at
  order 3 (or below their inverses), a derivative may be finite in one engine and not in the
  other, or underflowed below the inverse of that magnitude (``extreme``: the engines' formulas
  overflow in different places); likewise for
  derivatives of order >= 2 through ``0 ** b`` (``zero_base_power``: PyTorch's masked
  ``where`` has a NaN derivative there).
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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from hypothesis import event
from hypothesis.errors import InvalidArgument
from programs import (
    EPS,
    TWINS,
    Program,
    Stopped,
    as_tensor,
    in_a_second_thread,
    numbers_of,
    run_ours,
    run_theirs,
    their_operands,
)

from autograd import Value, grad, gradients, hessian, sum_values


def record_event(message: str) -> None:
    """A hypothesis event (statistics), also callable from a plain test (the reproducers)."""
    with suppress(InvalidArgument):
        event(message)


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
SCALE_RTOL = 1e-13  # of the largest term that can cancel: ``largest`` in the module doc
NONFINITE_KINDS = True  # a derivative NaN in one engine may be +-inf in the other (module doc)
NOISE_STEP = 2.0**-48  # 16 ulp of relative change in every intermediate value


def _equal_or_both_nan(ours: Any, theirs: Any) -> Any:
    return (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))


def within(ours: Any, theirs: Any, tolerance: Any, nonfinite_kinds: bool = False) -> bool:
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
        return within(ours, theirs, 0.0)
    if kind == "ulps":
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.maximum(np.abs(ours), np.abs(theirs))
        return within(ours, theirs, FORWARD_ULPS * EPS * scale + FORWARD_FLOOR)
    numbers = [numbers_of(o) for o in operands]
    if op == "logsumexp":  # shift by the max, n exps summed, a log: ulps of the max and the result
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.max(np.abs(np.broadcast_arrays(*numbers)), axis=0) + np.abs(ours)
        return within(ours, theirs, 2 * (len(numbers) + 1) * EPS * scale + FORWARD_FLOOR)
    if op == "batch_sum":
        terms = [np.abs(numbers[0])]
    else:  # dot: w_i * x_i, and the bias
        n = len(numbers) // 2
        terms = [np.abs(numbers[i] * numbers[n + i]) for i in range(n)] + [
            np.abs(x) for x in numbers[2 * n :]
        ]
    total = sum(float(np.sum(t)) for t in terms)
    return within(ours, theirs, 2 * (len(terms) + np.size(numbers[0])) * EPS * total + FORWARD_FLOOR)


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


# --- running an example ---------------------------------------------------------------------


def reduce_ours(root: Value, reduction: str, seed: float) -> tuple[Value, Any]:
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
    r, seed = reduce_ours(root, example.reduction, example.seed)
    if route == "backward":
        if example.feature == "value_seed":  # refused (docs/semantics.md, "Seeds"), .grad untouched
            try:
                r.backward(Value(seed))
            except TypeError as error:
                if "seed" not in str(error):
                    raise Mismatch(
                        f"backward(seed=Value) refused with an unclear message: {error}"
                    ) from error
            else:
                raise Mismatch("backward(seed=Value) was accepted: it turns .grad into graphs")
        r.backward(seed)
        return [_numbers([leaf.grad for leaf in leaves])]
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

    def inside_grad(wait: Callable[[], None]) -> None:
        def inner(x: Any) -> Any:
            wait()
            return x * x

        grad(inner)(1.0)

    with in_a_second_thread(inside_grad):
        yield


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


def transforms_theirs(
    example: Example, leaves: list[torch.Tensor], root: Any, along_the_way: bool = False
) -> list[list[Any]]:
    """The transform's result; ``along_the_way``: the lower orders' full results before it (a
    hessian's gradient, a third derivative's hessian), which chainrule computes on its way too."""
    first = _their_grads(root, leaves, None, create_graph=True)
    if example.order == 1:
        return [_numbers([first[a] for a in example.argnums])]
    before = [_numbers(first)] if along_the_way else []
    rows = [_their_grads(g, leaves, None, create_graph=True) for g in first]
    hessian = _numbers([entry for row in rows for entry in row])
    if example.order == 2:
        return [*before, hessian]
    i, j, k = example.entry
    before += [hessian] if along_the_way else []
    return [*before, _numbers([_their_grads(rows[i][j], leaves, None, create_graph=False)[k]])]


def their_run(
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
        if nudge:  # move the op's saved output too: tanh's backward reads it (1 - out**2)
            with suppress(RuntimeError):  # a broadcast view cannot be written: the result only
                out.data.add_(correction)  # .data: no version bump, the backward reads the new numbers
                return out
        return out + correction

    return run_theirs(program, data, sync=sync, stop=stop)


def check_forward(program: Program, data: list[Any], ours: list[Any]) -> None:
    """Each instruction's result against PyTorch's on the same (synchronised) inputs."""
    n_leaves = len(program.leaves)
    raw: list[Any] = []
    _, theirs = their_run(program, data, ours, raw=raw)
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


def check_stop(program: Program, stopped: Stopped, data: list[Any]) -> None:
    """chainrule raised at an instruction: agreement only for a documented divergence."""
    ins = program.instructions[stopped.index]
    ours = [numbers_of(v) for v in stopped.values]
    _, theirs = their_run(program, data, ours, stop=stopped.index + 1)
    operands = [numbers_of(o) for o in stopped.operands]
    out = numbers_of(theirs[-1])
    error = stopped.error
    for divergence in DIVERGENCES:
        if divergence.op == ins.op and type(error) is divergence.error:
            with np.errstate(invalid="ignore"):
                if np.any(divergence.when(*operands, out)):
                    if not str(error).startswith(f"{ins.op}:"):
                        raise Mismatch(f"{ins.op} raised {error!r}: the message does not name the op")
                    record_event(f"documented divergence: {ins.op} {type(error).__name__}")
                    return
    raise Mismatch(
        f"instruction {stopped.index} ({ins.op}) on {operands} raised {type(error).__name__}: {error}; "
        f"PyTorch gives {out!r}"
    )


def noise_of(example: Example, data: list[Any], synced: list[list[Any]]) -> list[list[Any]]:
    """How much PyTorch's own derivatives move under rounding-sized changes (see the module doc):
    without the forward correction, and with every intermediate value moved by 16 ulp."""
    runs = [
        their_derivatives(example, data, None),
        their_derivatives(example, data, None, nudge=NOISE_STEP),
        their_derivatives(example, [_nudge_leaf(x) for x in data], None),
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


def their_derivatives(
    example: Example, data: list[Any], ours: list[Any] | None, nudge: float = 0.0, along_the_way: bool = False
) -> list[list[Any]]:
    tensors, theirs = their_run(example.program, data, ours, nudge=nudge)
    if example.route == "transforms":
        return transforms_theirs(example, tensors, theirs[-1], along_the_way)
    return derivatives_theirs(example, tensors, theirs[-1])


def node_scale(example: Example, data: list[Any], ours: list[Any]) -> float:
    """The largest |d root / d value| over every value of the program (PyTorch, first order):
    how large the terms are that a first-order gradient adds up (module doc)."""
    _, theirs = their_run(example.program, data, ours)
    nodes = [t for t in theirs if isinstance(t, torch.Tensor) and t.requires_grad]
    r, seed = _reduce_theirs(theirs[-1], example.reduction, example.seed)
    if not nodes or not (isinstance(r, torch.Tensor) and r.requires_grad):
        return 0.0
    if example.route == "transforms":
        seed = None
    grads = torch.autograd.grad(r, nodes, seed, allow_unused=True)
    return _largest_finite([g.detach().numpy(force=True) for g in grads if g is not None])


def _largest_finite(entries: list[Any]) -> float:
    finite = [np.abs(e)[np.isfinite(e)] for e in map(np.asarray, entries)]
    return max((float(f.max()) for f in finite if f.size), default=0.0)


def compare_derivatives(
    mine: list[list[Any]],
    theirs: list[list[Any]],
    noise: list[list[Any]],
    signs_of_inf: bool = True,
    finiteness: bool = True,
    scale: float = 0.0,
    underflow: bool = False,
) -> None:
    """Each derivative entry within its tolerance (module doc). ``signs_of_inf=False``: +inf
    and -inf are accepted for each other; ``finiteness=False``: a finite number and inf/NaN
    are accepted for each other (``sqrt_of_negative_zero``, ``extreme``); ``underflow=True``:
    so are a number and one below the inverse of ``extreme``'s limit; ``scale`` is ``node_scale``."""
    for order, (a, b, n) in enumerate(zip(mine, theirs, noise), start=1):
        floor = DERIVATIVE_FLOOR + SCALE_RTOL * max(_largest_finite(b), scale)
        for index, (x, y, z) in enumerate(zip(a, b, n)):
            if np.ndim(x) != np.ndim(y):
                if not (np.ndim(x) == 0 and x == 0.0):  # gradients' 0.0: the root does not depend on it
                    raise Mismatch(f"order {order}, entry {index}: chainrule {x!r} vs PyTorch {y!r} (shape)")
                x = np.zeros(np.shape(y))
            with np.errstate(invalid="ignore", over="ignore"):
                tolerance = RTOL[order] * np.abs(y) + ATOL_NOISE * z + floor
            tolerance = np.where(np.isfinite(tolerance), tolerance, 0.0)
            if not signs_of_inf:  # a documented divergence: +inf against -inf is accepted
                x, y = np.where(np.isinf(x), np.abs(x), x), np.where(np.isinf(y), np.abs(y), y)
            if not finiteness:
                x, y = np.where(np.isfinite(y), x, y), np.where(np.isfinite(x), y, x)
            if underflow:  # below the inverse of extreme()'s limit: what an underflow leaves
                tiny = 1 / _limit(order)
                with np.errstate(invalid="ignore"):
                    x, y = (
                        np.where(np.abs(y) < tiny, y, x),
                        np.where(np.abs(x) < tiny, x, y),
                    )
            if not within(x, y, tolerance, NONFINITE_KINDS):
                raise Mismatch(f"order {order}, entry {index}: chainrule {x!r}, PyTorch {y!r} (noise {z!r})")


def extreme(values: list[Any], order: int) -> bool:
    """A documented divergence: the program touches inf, or a magnitude beyond
    ``10 ** (300 / (order + 1))`` (or a non-zero one below its inverse). A derivative of order
    k of ``a / b`` holds ``b ** (k + 1)``, which then overflows (underflows), and the two
    engines' formulas do it in different places (PyTorch's div rule is ``-g * a / (b * b)``,
    chainrule's ``-g * out / b``: at b = 5e-155 one says NaN, the other -0.0), so a
    derivative may be finite in one engine and inf, NaN or what an underflow leaves (0, or a
    number below the inverse of the limit) in the other (d2/dx2 log(1e300 * x) at x = 1: -1
    here, -0.0 in PyTorch, whose 1 / v**2 underflows); other finite pairs are still compared.
    NaN is not extreme: NaN in, NaN out, except where a convention (a kink) decides."""
    limit = _limit(order)
    for v in values:
        x = np.abs(np.asarray(numbers_of(v), dtype=float))
        with np.errstate(invalid="ignore"):
            if np.any(np.isinf(x) | (x > limit) | ((x > 0) & (x < 1 / limit))):
                return True
    return False


def _limit(order: int) -> float:
    """The magnitude past which a derivative of ``order`` may overflow: ``10 ** (300 / (order + 1))``."""
    return 10.0 ** (300 / (order + 1))


def zero_base_power(example: Example, theirs: list[Any]) -> bool:
    """A documented divergence: a second or third derivative through ``a ** b`` at a = 0.
    d/db a**b = a**b * log(a) is 0 at a = 0 (the limit, for b > 0) in both engines, but
    PyTorch writes it as a masked ``where``, whose derivative is 0 * log(0)**2 = NaN:
    sin(softplus(0 ** x)) is constant in x, chainrule's second derivative 0, PyTorch's NaN.
    A finite derivative may then meet NaN."""
    return example.order >= 2 and any(
        op == "pow" and np.any(a[0] == 0) for op, a in operands_seen(example, theirs)
    )


def all_finite(nested: Any) -> bool:
    """True when every number in a (nested list of) numbers, arrays, values or tensors is finite."""
    if isinstance(nested, list):
        return all(all_finite(x) for x in nested)
    return bool(np.all(np.isfinite(numbers_of(nested))))


def operands_seen(example: Example, theirs: list[Any]) -> list[tuple[str, list[Any]]]:
    """(op, operand numbers) of each instruction, as PyTorch ran it."""
    program = example.program
    n = len(program.leaves)
    return [
        (ins.op, [numbers_of(o) for o in their_operands(program, theirs[: n + index], index)])
        for index, ins in enumerate(program.instructions)
        if n + index < len(theirs)
    ]


def sqrt_of_negative_zero(example: Example, theirs: list[Any]) -> bool:
    """A documented divergence: sqrt'(-0.0) (and d/da a**b at a = -0.0, b < 1) is +inf in
    chainrule (the derivative at 0, whose sign of zero does not matter), -inf in PyTorch
    (0.5 / sqrt(-0.0) = 0.5 / -0.0). Every infinity downstream may then differ in sign."""
    return any(
        op in ("sqrt", "pow") and np.any((a[0] == 0) & np.signbit(a[0]))
        for op, a in operands_seen(example, theirs)
    )


DOCUMENTED = DOCUMENTED_IN_DERIVATIVES = (OverflowError, ZeroDivisionError, ValueError)


def same_bits(a: Any, b: Any) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b))
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
