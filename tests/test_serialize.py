"""Model files: exact round trips, atomic writes, and loads that name the file and the problem."""

from __future__ import annotations

import copy
import json
import math
import os
import pathlib
from typing import Any

import numpy as np
import pytest

import nn.serialize
from nn import MLP, ModelFileError, Neuron, load, save

AWKWARD_FLOATS = [0.1, 1 / 3, -0.0, 5e-324, 2.2250738585072014e-308, 1e300, -1.2345678901234567e-300, math.pi]


def _awkward_model(bias: bool = True) -> MLP:
    """An MLP whose weights include floats that a careless writer would round."""
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", bias=bias, seed=7)
    state = model.state_dict()
    for name, value in zip(state, AWKWARD_FLOATS, strict=False):
        state[name] = value
    model.load_state_dict(state)
    return model


def _bits(model: MLP) -> list[str]:
    return [float(v).hex() for v in model.state_dict().values()]


@pytest.mark.parametrize("bias", [True, False])
def test_round_trip_is_bit_exact(tmp_path, bias):
    model = _awkward_model(bias)
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert _bits(loaded) == _bits(model)
    assert list(loaded.state_dict()) == list(model.state_dict())
    assert loaded.config() == model.config()
    assert repr(loaded) == repr(model)
    x = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]])
    assert [o.data.tolist() for o in loaded(x)] == [o.data.tolist() for o in model(x)]


@pytest.mark.parametrize("sizes", [[1], [5, 1], [3, 3, 3, 2]])
def test_round_trip_of_shapes_and_every_activation(tmp_path, sizes):
    for activation, output in [("relu", "linear"), ("sigmoid", "tanh"), ("linear", "relu")]:
        model = MLP(4, sizes, activation=activation, output_activation=output, seed=1)
        save(model, str(tmp_path / "m.json"))  # a str path works too
        loaded = load(str(tmp_path / "m.json"))
        assert loaded.config() == model.config() and _bits(loaded) == _bits(model)


def test_the_file_is_readable_json_with_version_architecture_and_weights(tmp_path):
    model = MLP.from_weights([[[1.0, 2.0], [3.0, 4.0]], [[0.5, -0.5]]], [[0.1, 0.2], [0.3]])
    save(model, tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document == {
        "format": "chainrule.MLP",
        "version": 1,
        "architecture": {
            "nin": 2,
            "sizes": [2, 1],
            "activation": "relu",
            "output_activation": "linear",
            "bias": True,
        },
        "layers": [
            {"weights": [[1.0, 2.0], [3.0, 4.0]], "biases": [0.1, 0.2]},
            {"weights": [[0.5, -0.5]], "biases": [0.3]},
        ],
    }


def test_save_overwrites_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.json"
    save(MLP(2, [1], seed=0), path)
    save(MLP(2, [3, 1], seed=1), path)
    assert load(path).sizes == [3, 1]
    assert os.listdir(tmp_path) == ["m.json"]


# --- an interrupted save leaves the old file intact ----------------------------------------


def _half_write_then_fail(document: Any, file: Any, **kwargs: Any) -> None:
    file.write(json.dumps(document)[:40])  # a torn write...
    raise OSError("disk full")  # ...then the failure


@pytest.mark.parametrize(
    ("target", "replacement"),
    [
        ("json.dump", _half_write_then_fail),
        ("os.fsync", lambda fd: (_ for _ in ()).throw(OSError("I/O error"))),
        ("os.replace", lambda src, dst: (_ for _ in ()).throw(OSError("rename failed"))),
    ],
    ids=["json.dump", "os.fsync", "os.replace"],
)
def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, target, replacement):
    path = tmp_path / "model.json"
    old = MLP(2, [3, 1], seed=0)
    save(old, path)
    before = path.read_bytes()
    module, name = target.split(".")
    monkeypatch.setattr(getattr(nn.serialize, module), name, replacement)
    with pytest.raises(OSError):
        save(MLP(2, [5, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _bits(load(path)) == _bits(old)
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file was removed


def test_a_failed_first_save_creates_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(nn.serialize.json, "dump", _half_write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save(MLP(2, [1], seed=0), tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_save_refuses_what_it_cannot_write_back(tmp_path):
    diverged = MLP(2, [1], seed=0)
    diverged.layers[0].neurons[0].w[1].data = math.nan
    with pytest.raises(ValueError, match=r"non-finite weight: layers\.0\.neurons\.0\.w\.1 = nan"):
        save(diverged, tmp_path / "m.json")
    with pytest.raises(TypeError, match="save supports nn.MLP models, got Neuron"):
        save(Neuron(2, seed=0), tmp_path / "m.json")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


# --- loading checks everything and names the file ------------------------------------------


def _document() -> dict[str, Any]:
    model = MLP(2, [16, 16, 1], seed=0)
    weights = [[[float(w.data) for w in n.w] for n in layer.neurons] for layer in model.layers]
    biases = [[float(n.b.data) for n in layer.neurons] for layer in model.layers]  # type: ignore[union-attr]
    return {
        "format": "chainrule.MLP",
        "version": 1,
        "architecture": model.config(),
        "layers": [{"weights": w, "biases": b} for w, b in zip(weights, biases, strict=True)],
    }


def _set(path: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        *keys, last = path.split("/")
        node: Any = document
        for key in keys:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()

BAD_DOCUMENTS = [
    ("not an object", lambda d: d.clear() or d.update({"x": 1}), "not a chainrule model file"),
    ("another format", _set("format", "keras"), "not a chainrule model file"),
    (
        "newer version",
        _set("version", 2),
        "unsupported format version 2; this chainrule reads version 1 .*newer",
    ),
    ("version as text", _set("version", "1"), "the format version must be an integer, got '1'"),
    ("no architecture", _set("architecture", _DELETE), '"architecture" must be an object'),
    ("architecture lacks sizes", _set("architecture/sizes", _DELETE), "the architecture lacks sizes"),
    ("nin 0", _set("architecture/nin", 0), "architecture nin must be a positive integer, got 0"),
    ("sizes not a list", _set("architecture/sizes", 16), "architecture sizes must be a non-empty list"),
    (
        "unknown activation",
        _set("architecture/activation", "gelu"),
        "unknown activation 'gelu'; valid names: 'relu'",
    ),
    ("bias as text", _set("architecture/bias", "yes"), "architecture bias must be true or false"),
    ("a layer too few", _set("layers/2", _DELETE), "the architecture has 3 layers, the weights have 2"),
    ("a neuron too few", _set("layers/1/weights/15", _DELETE), "layer 1 expects 16 neurons .*got 15"),
    (
        "a weight too few",
        _set("layers/1/weights/3/15", _DELETE),
        "layer 1 expects 16 weights per neuron, got 15 \\(neuron 3\\)",
    ),
    (
        "weight as text",
        _set("layers/0/weights/0/1", "0.5"),
        "layer 0 neuron 0 weight 1 must be a number, got '0.5'",
    ),
    (
        "weight as bool",
        _set("layers/0/weights/0/1", True),
        "layer 0 neuron 0 weight 1 must be a number, got True",
    ),
    (
        "weight null",
        _set("layers/2/weights/0/0", None),
        "layer 2 neuron 0 weight 0 must be a number, got None",
    ),
    (
        "weight NaN",
        _set("layers/0/weights/2/0", math.nan),
        "layer 0 neuron 2 weight 0 must be finite, got nan",
    ),
    (
        "weight Infinity",
        _set("layers/0/weights/2/0", math.inf),
        "layer 0 neuron 2 weight 0 must be finite, got inf",
    ),
    ("biases missing", _set("layers/1/biases", None), "layer 1 expects 16 biases, got None"),
    ("bias as text", _set("layers/2/biases/0", "x"), "layer 2 neuron 0 bias must be a number"),
    (
        "biases without bias",
        _set("architecture/bias", False),
        "layer 0 has biases but the architecture says bias=false",
    ),
    ("layer not an object", _set("layers/0", [1, 2]), "layer 0 must be an object"),
]


@pytest.mark.parametrize(
    ("change", "message"), [c[1:] for c in BAD_DOCUMENTS], ids=[c[0] for c in BAD_DOCUMENTS]
)
def test_load_names_the_file_and_the_problem(tmp_path, change, message):
    document = _document()
    change(document)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))  # json writes NaN/Infinity for the non-finite cases
    with pytest.raises(ModelFileError, match=f"^{path}: {message}") as info:
        load(path)
    assert isinstance(info.value, ValueError) and info.value.path == str(path)


def test_load_of_a_torn_or_missing_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_document())[:100])
    with pytest.raises(ModelFileError, match=f"^{path}: not valid JSON"):
        load(path)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load(tmp_path / "missing.json")


def test_a_valid_document_loads(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_document()))
    assert load(pathlib.Path(path)).sizes == [16, 16, 1]


# --- load_state_dict: all or nothing ---------------------------------------------------------


@pytest.mark.parametrize("position", [0, 20, -1], ids=["first", "middle", "last"])
@pytest.mark.parametrize(
    ("bad", "error"),
    [("0.5", TypeError), (math.nan, ValueError), (None, TypeError)],
    ids=["text", "nan", "None"],
)
def test_load_state_dict_changes_nothing_unless_all_of_it_is_valid(position, bad, error):
    model = MLP(2, [16, 1], seed=0)
    before = copy.deepcopy(model.state_dict())
    state = {name: value + 1.0 for name, value in before.items()}  # every other entry is valid
    state[list(state)[position]] = bad
    with pytest.raises(error):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_with_a_missing_or_extra_entry_changes_nothing():
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    missing = {name: 0.0 for name in list(before)[:-1]}
    extra = {**{name: 0.0 for name in before}, "layers.9.neurons.0.b": 0.0}
    for state in (missing, extra):
        with pytest.raises(ValueError, match="does not match MLP"):
            model.load_state_dict(state)
        assert model.state_dict() == before
