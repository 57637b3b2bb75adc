"""Damaged model files raise ``ModelFileError`` and nothing else; a failed load changes nothing.

Issue 12, category 9: hostile or damaged files used to escape as ``OverflowError``,
``TypeError``, ``UnicodeDecodeError`` or ``RecursionError``. Here hypothesis throws random
bytes, truncations, byte flips and hostile JSON at :func:`nn.load`, and only
``ModelFileError`` may come out (``load`` builds a new model, so a refused file touches no
model the caller holds). Also: ``save`` of a model built with numpy integer sizes.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import MLP, Layer, ModelFileError, Neuron, load, save

GOOD_MODEL = MLP(2, [3, 1], activation="tanh", seed=0)


def _good_document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.json")
        save(GOOD_MODEL, path)
        with open(path, encoding="utf-8") as file:
            return json.load(file)


GOOD_DOCUMENT = _good_document()
GOOD_TEXT = json.dumps(GOOD_DOCUMENT).encode()


def _load_bytes(data: bytes) -> MLP | None:
    """Load ``data`` from a file; ``None`` if it was refused with ``ModelFileError``."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.json")
        with open(path, "wb") as file:
            file.write(data)
        try:
            return load(path)
        except ModelFileError as error:
            assert error.path == path and error.problem
            return None


def _load_text(text: str) -> MLP | None:
    return _load_bytes(text.encode("utf-8", "surrogatepass"))


# Values a hostile file may put anywhere: every JSON type, huge and odd numbers, deep nesting.
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([2**63, -(2**63) - 1, 10**309, 0, -1, 1, 2, 3]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "relu", "tanh", "chainrule.MLP"]),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place (a path of keys and indices) inside ``document``."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found += _paths(value, (*prefix, i))
    return found


PLACES = _paths(GOOD_DOCUMENT)[1:]


def _replaced(document: Any, place: tuple, value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    return changed


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_model_file_error(data):
    _load_bytes(data)


@given(st.integers(min_value=0, max_value=len(GOOD_TEXT) - 1))
def test_every_truncation_raises_model_file_error(length):
    assert _load_bytes(GOOD_TEXT[:length]) is None


@given(st.integers(min_value=0, max_value=len(GOOD_TEXT) - 1), st.integers(min_value=0, max_value=255))
def test_a_flipped_byte_loads_or_raises_model_file_error(position, byte):
    damaged = bytearray(GOOD_TEXT)
    damaged[position] = byte
    _load_bytes(bytes(damaged))


@given(st.sampled_from(PLACES), hostile_values)
def test_a_hostile_value_anywhere_loads_or_raises_model_file_error(place, value):
    document = _replaced(GOOD_DOCUMENT, place, value)
    loaded = _load_text(json.dumps(document))
    if loaded is not None:  # a valid change (another number, another activation): read as written
        assert loaded.config() == document["architecture"]
        assert list(loaded.state_dict().values()) == _weights_in(document)


def _weights_in(document: dict[str, Any]) -> list[float]:
    """The document's numbers in parameter order: neuron by neuron, weights then bias."""
    numbers: list[float] = []
    for layer in document["layers"]:
        for j, row in enumerate(layer["weights"]):
            numbers += [float(w) for w in row]
            if layer["biases"] is not None:
                numbers.append(float(layer["biases"][j]))
    return numbers


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError inside json
        '{"format": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"format": "chainrule.MLP", "version": 1e999}',
        '{"format": "chainrule.MLP", "version": ' + "9" * 5000 + "}",  # int too long to parse
        '{"format": "chainrule.MLP", "version": 1, "architecture": {"nin": 1e999}}',
        '{"format": "chainrule.MLP", "version": NaN}',
        '{"format": "chainrule.MLP", "version": Infinity}',
        '{"format": "chainrule.MLP", "version": [1]}',
        '{"format": ["chainrule.MLP"], "version": 1}',
        '{"format": {"a": 1}, "version": 1}',
    ],
    ids=lambda text: text[:40],
)
def test_hostile_json_raises_model_file_error(text):
    assert _load_text(text) is None


def _with_architecture(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(GOOD_DOCUMENT)
    document["architecture"].update(changes)
    return document


@pytest.mark.parametrize(
    "document",
    [
        _with_architecture(activation=["relu"]),  # unhashable: TypeError from `in ACTIVATIONS`
        _with_architecture(output_activation={"a": 1}),
        _with_architecture(sizes=[10**30, 1]),  # would try to build an enormous model
        _with_architecture(nin=10**30),
        _replaced(GOOD_DOCUMENT, ("layers", 0, "weights", 0, 0), 10**400),  # OverflowError in float()
        _replaced(GOOD_DOCUMENT, ("layers", 0, "biases", 0), -(10**400)),
        _replaced(GOOD_DOCUMENT, ("layers", 0, "weights", 0, 0), "NaN"),
        _replaced(GOOD_DOCUMENT, ("layers",), {"0": 1}),
        _replaced(GOOD_DOCUMENT, ("version",), True),
        {"format": "chainrule.MLP", "version": 10**400},
    ],
)
def test_hostile_documents_raise_model_file_error(document):
    assert _load_text(json.dumps(document)) is None


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00",
        b'{"format": "chainrule.MLP\xff"}',
        b"\x80",
        '{"a": "\ud800"}'.encode("utf-8", "surrogatepass"),
    ],
)
def test_bytes_that_are_not_utf8_raise_model_file_error(data):
    assert _load_bytes(data) is None


# --- numpy integer sizes ---------------------------------------------------------------------


def test_save_works_for_a_model_built_with_numpy_integer_sizes(tmp_path):
    model = MLP(np.int64(2), [np.int64(3), np.int32(1)], seed=0)
    assert model.config()["nin"] == 2 and type(model.config()["nin"]) is int
    assert all(type(n) is int for n in model.config()["sizes"])
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").state_dict() == model.state_dict()


def test_sizes_are_plain_ints_for_every_constructor():
    assert type(Neuron(np.int16(3), seed=0).nin) is int
    layer = Layer(np.uint8(2), np.int64(4), seed=0)
    assert type(layer.nin) is int and type(layer.nout) is int
    assert MLP(np.array(2), np.array([3, 1]), seed=0).sizes == [3, 1]


@pytest.mark.parametrize("bad", [2.0, np.float64(2.0), True, np.bool_(True), 0, -1, np.int64(-3), "2", None])
def test_sizes_that_are_not_positive_integers_are_refused(bad):
    with pytest.raises((ValueError, TypeError), match="positive integer"):
        MLP(bad, [2, 1])
    with pytest.raises((ValueError, TypeError), match="positive integer"):
        MLP(2, [bad, 1])
    with pytest.raises((ValueError, TypeError), match="positive integer"):
        Layer(2, bad)
