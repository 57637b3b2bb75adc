"""Replay for graphs that change with the data: a function recorded once per structure key.

A :class:`~autograd.Tape` replays one fixed graph. Many programs build a different graph for
each input -- a name of 5 letters makes a shorter graph than one of 9 -- but the same graph for
every input of the same *shape*. :func:`trace` wraps such a function: the first call with a
given shape records its graph (a ``Tape``) with the numbers of the arguments bound to
placeholder leaves; a later call of the same shape binds its numbers into those placeholders
and replays the tape instead of building the graph again. This is JAX's ``jit``, which retraces
per shape, in a scalar engine.

**What is data and what is structure.** Numbers (``int``, ``float``, numpy scalars) and 1-D
arrays in the arguments, also inside lists and tuples, are data: each becomes a placeholder
``Value`` the function receives, and is re-bound on every call. Everything else is structure:
the nesting and lengths of the lists, the number of samples of an array, and any other
argument (a string, ``True``, ``None``) must be the same for a replay, and so are part of the
cache key, with ``key(*args)`` if you give one. Parameters are the ``Value`` leaves the
function reads from its closure or globals: a replay reads their current data (change them
between calls, as an optimizer does). Because the placeholders are ``Value`` s, data cannot
choose graph structure: index a list by a data value with :func:`~autograd.gather`, and shift a
softmax with :func:`~autograd.logsumexp`, whose rules read the data on every replay.

**A recording warns when it freezes data.** While the function is being recorded, reading a
number out of a value into plain Python -- ``v.data``, ``v.item()``, ``float(v)``, ``v > 0``
-- emits a :class:`FrozenDataWarning` that names the value and the line: a replay would reuse
the number read while recording (``top = max(v.data for v in logits)`` becomes a constant).
Compute it with an op instead, or, if the number truly is the same for every call of a shape,
make it part of ``key``. :func:`warn_data_reads` gives the same warnings around any code (to
check a computation before you record it with ``Tape``).

Example:
    >>> from autograd import Value, gather, logsumexp, trace
    >>> table = [Value(0.5), Value(-1.0), Value(2.0)]
    >>> @trace
    ... def loss(ids):                       # one graph per number of ids
    ...     return logsumexp([gather(table, i) for i in ids])
    >>> round(loss([0, 2]).data, 6)          # records
    2.201413
    >>> round(loss([1, 1]).data, 6)          # replays with the new ids, no new nodes
    -0.306853
    >>> loss.backward()                      # the last call's backward, along its tape
    >>> [x.grad for x in table]
    [0.0, 1.0, 0.0]
    >>> len(loss), round(loss([0, 1, 2]).data, 6), len(loss)   # a new length records again
    (1, 2.241311, 2)
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import threading
import warnings
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

from autograd.ops import CONSTANT
from autograd.tape import Tape
from autograd.value import Value

__all__ = ["trace", "Traced", "FrozenDataWarning", "warn_data_reads"]


class FrozenDataWarning(UserWarning):
    """A recorded computation read a value's number into plain Python: a replay keeps it fixed."""


# --- the data-read watch -------------------------------------------------------------------------

_LIBRARY = os.path.dirname(os.path.abspath(__file__)) + os.sep
_READERS = ("item", "__float__", "__lt__", "__le__", "__gt__", "__ge__")
_HOW = {"data": ".data", "item": ".item()", "__float__": "float()", "__lt__": "<", "__le__": "<=",
        "__gt__": ">", "__ge__": ">="}  # fmt: skip


class _Watch:
    """Who is being watched: the recording threads (by id, with what each records, nested), the
    ``Value`` attributes put aside while the watch is on, and the code objects known to be
    chainrule's own (their reads are the rules' reads, not the user's)."""

    lock = threading.Lock()
    threads: dict[int, list[tuple[str, set[tuple[Any, int]]]]] = {}  # what, lines reported
    originals: dict[str, Any] = {}
    library: set[Any] = set()


def _report(value: Value, how: str, frame: Any) -> None:
    """Warn about ``frame``'s read of ``value``'s number, unless chainrule itself read it, the
    value is a constant or the reading thread is not recording."""
    code = frame.f_code
    if code.co_filename.startswith(_LIBRARY) or code.co_filename.startswith("<autograd "):
        _Watch.library.add(code)  # the fast path skips it from now on
        return
    recording = _Watch.threads.get(threading.get_ident())
    if value.op is CONSTANT or not recording:
        return
    what_is_recorded, reported = recording[-1]
    if (code, frame.f_lineno) in reported:  # one warning per line (a max reads every logit)
        return
    reported.add((code, frame.f_lineno))
    what = value.label or (f"the {value.op} node" if value.op is not None else "a leaf")
    message = (
        f"{what_is_recorded}: line {frame.f_lineno} read the number of {what} into plain Python "
        f"({_HOW[how]}: {_short(value.data)}); a replay reuses that number as a constant, it does not "
        "follow the data. Compute it with an op instead (logsumexp(values) for a softmax "
        "shifted by max(v.data ...), gather(values, index) for an index held by a value), or, "
        "if it is the same for every call of this shape, make it part of the trace's key (and, once "
        "the key covers it, pass check_reads='never')"
    )
    registry = frame.f_globals.setdefault("__warningregistry__", {})
    module = frame.f_globals.get("__name__")
    warnings.warn_explicit(message, FrozenDataWarning, code.co_filename, frame.f_lineno, module, registry)


def _short(data: Any) -> str:
    return f"{data!r}" if type(data) is float else f"{len(data)} samples"


def _install() -> None:
    """Put reporting twins of ``Value.data`` and of its number-reading methods on the class."""
    slot = _Watch.originals["data"] = Value.__dict__["data"]
    get, set_, library, caller = slot.__get__, slot.__set__, _Watch.library, sys._getframe

    def read(self: Value) -> Any:
        # The rules read .data all the time: they take one set lookup (the graph is being built
        # with this getter in place, so it must stay cheap).
        if caller(1).f_code not in library:
            _report(self, "data", caller(1))
        return get(self, Value)

    setattr(Value, "data", property(read, set_, doc=slot.__doc__))  # noqa: B010 (mypy: a slot)
    for name in _READERS:
        original = _Watch.originals[name] = Value.__dict__[name]
        setattr(Value, name, _reporting(name, original))


def _reporting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: Value, *args: Any) -> Any:
        if sys._getframe(1).f_code not in _Watch.library:
            _report(self, name, sys._getframe(1))
        return original(self, *args)

    return method


def _uninstall() -> None:
    for name, original in _Watch.originals.items():
        setattr(Value, name, original)
    _Watch.originals.clear()


@contextlib.contextmanager
def warn_data_reads(what: str = "recording") -> Iterator[None]:
    """Warn (:class:`FrozenDataWarning`) when the code in the block, in this thread, reads the
    number of a ``Value`` into plain Python: ``.data``, ``.item()``, ``float()``, a comparison.

    :func:`trace` records inside this block; use it yourself around code that builds a graph
    you will record with :class:`~autograd.Tape`. Reads made by chainrule's own rules are not
    reported, nor reads of constants. While a block is active anywhere, reading ``.data`` costs
    a little more in every thread.

    Example:
        >>> import warnings
        >>> from autograd import Value, warn_data_reads
        >>> x = Value(2.0, label="x")
        >>> with warnings.catch_warnings(record=True) as caught, warn_data_reads("my graph"):
        ...     warnings.simplefilter("always")
        ...     y = x * x.data                   # x.data is frozen into y's graph
        >>> print(caught[0].message)  # doctest: +ELLIPSIS
        my graph: line 3 read the number of x into plain Python (.data: 2.0); a replay reuses ...
    """
    ident = threading.get_ident()
    with _Watch.lock:
        if not _Watch.threads:
            _install()
        _Watch.threads.setdefault(ident, []).append((what, set()))
    try:
        yield
    finally:
        with _Watch.lock:
            stack = _Watch.threads[ident]
            stack.pop()
            if not stack:
                del _Watch.threads[ident]
            if not _Watch.threads:
                _uninstall()


# --- trace ---------------------------------------------------------------------------------------


_CHECKS = ("first", "every", "never")


class _Recording:
    """One structure key's tape and the placeholder leaves its arguments are bound to."""

    __slots__ = ("tape", "placeholders")

    def __init__(self, tape: Tape, placeholders: list[Value]) -> None:
        self.tape = tape
        self.placeholders = placeholders


class Traced:
    """A function whose graph is recorded once per structure key and replayed after that.

    Made by :func:`trace`; see the module's documentation for what is data and what is
    structure. Calling it returns the recorded root ``Value`` with the new data (the same
    object on every call of one key: its data changes on the next such call, as a tape's
    root does). Each shape's graph stays in memory until :meth:`clear`. Not thread-safe: give
    each thread its own.

    Attributes:
        fn: the function.
        key: the extra part of the cache key, ``key(*args)``, or ``None``.
        straight_line: passed to each :class:`~autograd.Tape`.
        vectorized: passed to each :class:`~autograd.Tape`.
        check_reads: which recordings are watched for reads that freeze data
            (:class:`FrozenDataWarning`): ``"every"`` one (the default), the ``"first"`` of
            this function only (later shapes usually run the same lines), or ``"never"``.
            Watching costs little (chainrule's own rules do not read through ``.data``): a
            Python-level check per ``.data`` read of the function's own code.
    """

    def __init__(
        self,
        fn: Callable[..., Value],
        key: Callable[..., Hashable] | None = None,
        straight_line: bool | None = None,
        vectorized: bool = False,
        check_reads: str = "every",
    ) -> None:
        if check_reads not in _CHECKS:
            raise ValueError(
                f"trace: check_reads must be one of {', '.join(map(repr, _CHECKS))}, got {check_reads!r}"
            )
        if not callable(fn):
            raise TypeError(f"trace: expected a function, got {type(fn).__name__}")
        if key is not None and not callable(key):
            raise TypeError(f"trace: key must be a function of the arguments, got {type(key).__name__}")
        self.fn, self.key, self.straight_line, self.check_reads = fn, key, straight_line, check_reads
        self.vectorized = vectorized
        self._name = getattr(fn, "__qualname__", repr(fn))
        try:
            self._arg_names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            self._arg_names = []
        self._recordings: dict[Hashable, _Recording] = {}
        self._last: _Recording | None = None
        self._recorded = False  # whether a recording has run (for check_reads="first")
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any) -> Value:
        numbers: list[Any] = []
        structure = tuple(_structure(arg, numbers, self._where(i)) for i, arg in enumerate(args))
        cache_key: Hashable = structure if self.key is None else (structure, self.key(*args))
        try:
            recording = self._recordings.get(cache_key)
        except TypeError:
            raise TypeError(f"trace({self._name}): key(*args) must be hashable, got {cache_key!r}") from None
        if recording is None:
            recording = self._record(args, numbers, cache_key)
        else:
            for placeholder, number in zip(recording.placeholders, numbers):
                placeholder.data = number  # checked by the write, as Value() checks
            recording.tape.forward()
        self._last = recording
        return recording.tape.root

    def _record(self, args: tuple[Any, ...], numbers: list[Any], cache_key: Hashable) -> _Recording:
        placeholders = [Value(x) for x in numbers]
        for i, placeholder in enumerate(placeholders):
            placeholder.label = f"{self._name} input {i}"
        bound = iter(placeholders)
        watch = self.check_reads == "every" or (self.check_reads == "first" and not self._recorded)
        with warn_data_reads(f"trace({self._name})") if watch else contextlib.nullcontext():
            root = self.fn(*[_bind(arg, bound) for arg in args])
        if not isinstance(root, Value):
            raise TypeError(
                f"trace({self._name}): the function must return a Value, got {type(root).__name__}"
            )
        recording = self._recordings[cache_key] = _Recording(
            Tape(root, self.straight_line, self.vectorized), placeholders
        )
        self._recorded = True
        return recording

    def _where(self, i: int) -> str:
        return self._arg_names[i] if i < len(self._arg_names) else f"argument {i}"

    def backward(self, seed: Any = None) -> None:
        """The backward pass of the last call, along its tape (``root.backward(seed)``)."""
        if self._last is None:
            raise RuntimeError(f"trace({self._name}).backward(): call the function first")
        self._last.tape.backward(seed)

    @property
    def tape(self) -> Tape:
        """The tape the last call recorded or replayed."""
        if self._last is None:
            raise RuntimeError(f"trace({self._name}).tape: call the function first")
        return self._last.tape

    def clear(self) -> None:
        """Forget every recording (the next call of each shape records again)."""
        self._recordings.clear()
        self._last = None

    def __len__(self) -> int:
        """How many structure keys have a recording."""
        return len(self._recordings)

    def __repr__(self) -> str:
        return f"trace({self._name}, {len(self)} recordings)"


def trace(
    fn: Callable[..., Value] | None = None,
    *,
    key: Callable[..., Hashable] | None = None,
    straight_line: bool | None = None,
    vectorized: bool = False,
    check_reads: str = "every",
) -> Any:
    """Record ``fn``'s graph once per structure of its arguments (and ``key(*args)``), replay it after.

    Use it as ``trace(fn)``, ``@trace`` or ``@trace(key=...)``. ``fn`` takes numbers, 1-D
    arrays and lists or tuples of them (each number becomes a placeholder ``Value``) and other
    arguments that are part of the structure; it returns a ``Value`` (a loss). Call the result
    like ``fn``; ``.backward()`` backpropagates the last call.

    Args:
        fn: the function to record.
        key: a function of the arguments whose (hashable) result also selects the recording:
            for what the graph depends on beyond the arguments' shapes (a value that decides
            control flow, say).
        straight_line: passed to each :class:`~autograd.Tape` (``None``: by size).
        vectorized: passed to each :class:`~autograd.Tape`: replay with numpy, a group of like
            nodes at a time (gradients equal to the walk's to rounding; see
            :mod:`autograd.vectorized`).
        check_reads: ``"every"`` (default), ``"first"`` or ``"never"``: which recordings are
            watched for reads that freeze data (see :class:`Traced`).

    Raises:
        TypeError: when called with a ``Value`` argument (parameters belong in the function's
            closure; arguments are data), an unhashable argument that is not data, or when
            ``fn`` returns something other than a ``Value``.
        ValueError: for an unknown ``check_reads``; and whatever building the graph raises
            (a replay checks what a build checks: an index out of range, a domain error).

    Example:
        >>> from autograd import Value, trace
        >>> w = Value(3.0)
        >>> f = trace(lambda x, how: w * x if how == "times" else w + x)   # how: structure
        >>> f(2.0, "times").data, f(5.0, "times").data, f(5.0, "plus").data, len(f)
        (6.0, 15.0, 8.0, 2)
    """
    if fn is None:
        return functools.partial(
            trace, key=key, straight_line=straight_line, vectorized=vectorized, check_reads=check_reads
        )
    return Traced(fn, key=key, straight_line=straight_line, vectorized=vectorized, check_reads=check_reads)


def _structure(arg: Any, numbers: list[Any], where: str) -> Hashable:
    """``arg``'s shape for the cache key; its numbers appended to ``numbers`` in order."""
    kind = type(arg)
    if kind is float or kind is int:
        numbers.append(arg)
        return float
    if kind is list or kind is tuple:
        return (kind, *[_structure(x, numbers, f"{where}[{i}]") for i, x in enumerate(arg)])
    if isinstance(arg, Value):
        raise TypeError(
            f"trace: {where} is a Value; arguments are data (numbers, arrays, lists of them): "
            "read parameters from the function's closure, pass inputs as numbers"
        )
    if isinstance(arg, (np.integer, np.floating)) and not isinstance(arg, np.bool_):
        numbers.append(arg)
        return float
    if isinstance(arg, np.ndarray):
        numbers.append(arg)
        return (np.ndarray, arg.shape)
    try:
        hash(arg)
    except TypeError:
        raise TypeError(
            f"trace: {where} ({type(arg).__name__}) is neither data (a number, a 1-D array, a list "
            "or tuple of them) nor hashable structure"
        ) from None
    return ("static", kind, arg)


def _bind(arg: Any, placeholders: Iterator[Value]) -> Any:
    """``arg`` with each number replaced by the next placeholder."""
    kind = type(arg)
    if kind is float or kind is int or isinstance(arg, (np.integer, np.floating, np.ndarray)):
        return next(placeholders)  # (np.bool_ is none of these: it stays structure)
    if kind is list:
        return [_bind(x, placeholders) for x in arg]
    if kind is tuple:
        return tuple(_bind(x, placeholders) for x in arg)
    return arg
