"""Model files: ``save(model, path)`` and ``load(path)`` for an ``MLP``, as readable JSON.

A file holds a format name and version, the architecture (``MLP``'s constructor arguments)
and the weights, layer by layer, as PyTorch lays them out: one row of ``nin`` weights per
neuron, then one bias per neuron. Floats are written with Python's ``repr``, so every weight
reads back bit for bit.

The write is atomic: the JSON goes to a temporary file in the same directory, is flushed to
disk, and only then replaces ``path``; if anything fails on the way, the old file is intact.
Loading checks everything (version, shapes, types, finite numbers) before building the model,
and a problem raises :class:`ModelFileError` (a ``ValueError``) naming the file and what is
wrong, e.g. ``model.json: layer 1 expects 16 weights per neuron, got 15 (neuron 3)``.

Example:
    >>> import os, tempfile
    >>> from nn import MLP, save, load
    >>> model = MLP(2, [4, 1], activation="tanh", seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save(model, path)
    >>> copy = load(path)
    >>> copy.state_dict() == model.state_dict(), copy.config() == model.config()
    (True, True)
"""

from __future__ import annotations

import json
import math
import os
import reprlib
import secrets
from typing import Any, Union

from nn.layers import ACTIVATIONS, MLP

__all__ = ["save", "load", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "chainrule.MLP"
VERSION = 1
PathLike = Union[str, "os.PathLike[str]"]


class ModelFileError(ValueError):
    """A model file that cannot be read back: the message names the file and the problem."""

    def __init__(self, path: PathLike, problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem}")
        self.path = os.fspath(path)
        self.problem = problem


def save(model: MLP, path: PathLike) -> None:
    """Write ``model`` (an ``MLP``) to ``path`` as JSON, atomically.

    Raises:
        TypeError: if ``model`` is not an ``MLP``.
        ValueError: if a weight is NaN or infinite (a diverged model is not saved), or only
            some layers have biases.
        OSError: if the file cannot be written (the old file, if any, is left as it was).
    """
    if not isinstance(model, MLP):
        raise TypeError(
            f"save supports nn.MLP models, got {type(model).__name__}; "
            f"for other modules save model.state_dict() with json"
        )
    if any(layer.bias != model.layers[0].bias for layer in model.layers):
        raise ValueError("save needs every layer with biases or every layer without")
    for name, value in model.state_dict().items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save a model with a non-finite weight: {name} = {value}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.config(),
        "layers": [
            {
                "weights": [[float(w.data) for w in neuron.w] for neuron in layer.neurons],
                "biases": [float(n.b.data) for n in layer.neurons if n.b is not None] if layer.bias else None,
            }
            for layer in model.layers
        ],
    }
    _write_atomically(os.fspath(path), document)


def load(path: PathLike) -> MLP:
    """Read an ``MLP`` written by :func:`save`.

    Raises:
        FileNotFoundError / OSError: if the file cannot be read.
        ModelFileError: (a ``ValueError``) naming the file and the problem: not JSON, not a
            chainrule model, an unsupported version, or an architecture and weights that do not
            match (wrong shape, a value that is not a finite number, an unknown activation).
    """
    with open(path, "rb") as file:
        data = file.read()
    document = _parse(data, path)
    weights, biases, arch = _read_document(document, lambda problem: ModelFileError(path, problem))
    return MLP.from_weights(weights, biases, arch["activation"], arch["output_activation"])


# --- writing -------------------------------------------------------------------------------


def _write_atomically(path: str, document: dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse an existing file; mode 0o666 lets the umask decide, as open() does.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1, allow_nan=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --- reading and checking ------------------------------------------------------------------

# Short, safe reprs for messages: a hostile file may hold huge or deeply nested values.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 3, 40, 40, 40


def _show(x: Any) -> str:
    return _SHORT.repr(x)


def _parse(data: bytes, path: PathLike) -> Any:
    """The JSON document in ``data``; every way of failing becomes a :class:`ModelFileError`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)  # NaN and Infinity parse; the checks below name where they are
    except RecursionError:
        raise ModelFileError(path, "not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise ModelFileError(path, f"not valid JSON ({exc})") from None


def _read_document(document: Any, error: Any) -> tuple[list[Any], list[Any] | None, dict[str, Any]]:
    """Check the whole document; return (weights per layer, biases per layer or None, architecture)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise error(f'not a chainrule model file (expected an object with "format": "{FORMAT}")')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise error(f"the format version must be an integer, got {_show(version)}")
    if version != VERSION:
        newer = " (written by a newer chainrule: upgrade to read it)" if version > VERSION else ""
        raise error(f"unsupported format version {version}; this chainrule reads version {VERSION}{newer}")
    arch = _read_architecture(document.get("architecture"), error)
    layers = document.get("layers")
    if not isinstance(layers, list) or len(layers) != len(arch["sizes"]):
        count = len(layers) if isinstance(layers, list) else type(layers).__name__
        raise error(f"the architecture has {len(arch['sizes'])} layers, the weights have {count}")
    weights, biases = [], []
    widths = [arch["nin"], *arch["sizes"]]
    for i, layer in enumerate(layers):
        nin, nout = widths[i], widths[i + 1]
        if not isinstance(layer, dict):
            raise error(f'layer {i} must be an object with "weights" and "biases", got {_show(layer)}')
        rows = layer.get("weights")
        if not isinstance(rows, list) or len(rows) != nout:
            got = len(rows) if isinstance(rows, list) else _show(rows)
            raise error(f"layer {i} expects {nout} neurons (rows of weights), got {got}")
        for j, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != nin:
                got = len(row) if isinstance(row, list) else _show(row)
                raise error(f"layer {i} expects {nin} weights per neuron, got {got} (neuron {j})")
            for k, w in enumerate(row):
                _check_number(w, f"layer {i} neuron {j} weight {k}", error)
        weights.append(rows)
        bias = layer.get("biases")
        if arch["bias"]:
            if not isinstance(bias, list) or len(bias) != nout:
                got = len(bias) if isinstance(bias, list) else _show(bias)
                raise error(f"layer {i} expects {nout} biases, got {got}")
            for j, b in enumerate(bias):
                _check_number(b, f"layer {i} neuron {j} bias", error)
            biases.append(bias)
        elif bias is not None:
            raise error(f"layer {i} has biases but the architecture says bias=false")
    return weights, biases if arch["bias"] else None, arch


def _read_architecture(arch: Any, error: Any) -> dict[str, Any]:
    if not isinstance(arch, dict):
        raise error(f'"architecture" must be an object, got {_show(arch)}')
    expected = ("nin", "sizes", "activation", "output_activation", "bias")
    missing = [key for key in expected if key not in arch]
    if missing:
        raise error(f"the architecture lacks {', '.join(missing)}")
    if not _is_int(arch["nin"]) or arch["nin"] < 1:
        raise error(f"architecture nin must be a positive integer, got {_show(arch['nin'])}")
    sizes = arch["sizes"]
    if not isinstance(sizes, list) or not sizes or not all(_is_int(n) and n >= 1 for n in sizes):
        raise error(f"architecture sizes must be a non-empty list of positive integers, got {_show(sizes)}")
    for key in ("activation", "output_activation"):
        if not isinstance(arch[key], str) or arch[key] not in ACTIVATIONS:
            raise error(f"unknown {key} {_show(arch[key])}; valid names: {', '.join(map(repr, ACTIVATIONS))}")
    if not isinstance(arch["bias"], bool):
        raise error(f"architecture bias must be true or false, got {_show(arch['bias'])}")
    return arch


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_number(x: Any, what: str, error: Any) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise error(f"{what} must be a number, got {_show(x)}")
    try:
        finite = math.isfinite(x)  # an int too large for a float64 overflows here
    except OverflowError:
        finite = False
    if not finite:
        raise error(f"{what} must be finite, got {_show(x)}")
