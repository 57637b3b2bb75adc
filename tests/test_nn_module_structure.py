"""Parameters of modules whose structure is shared or changes: tied weights, and a remembered
parameter list that is never out of date.

Issue 12, category 10: a parameter reachable through two attributes made optimizers refuse
the model; PyTorch lists it once (first name wins). Issue 15, item 6: ``parameters()`` and
``zero_grad()`` remember the walk; these tests change the structure every way a user can and
compare with a fresh walk each time.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Adam, Module, Neuron


class TiedAutoencoder(Module):
    """The decoder uses the encoder's weights (tied weights), reached by two attributes."""

    def __init__(self) -> None:
        self.encoder = Neuron(2, activation="linear", seed=0)
        self.decoder_weights = self.encoder.w  # the same list: the same Values
        self.scale = self.encoder.b  # and the bias a third way
        self.decoder_bias = Value(0.5)

    def __call__(self, x: list[float]) -> list[Value]:
        code = self.encoder(x)
        return [code * w * self.scale + self.decoder_bias for w in self.decoder_weights]


class TorchTied(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = torch.nn.Linear(2, 1, dtype=torch.float64)
        self.decoder = self.encoder  # tied: the same module
        self.decoder_bias = torch.nn.Parameter(torch.tensor(0.5, dtype=torch.float64))


def test_a_tied_parameter_is_listed_once_under_its_first_name_as_in_torch():
    model = TiedAutoencoder()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["encoder.w.0", "encoder.w.1", "encoder.b", "decoder_bias"]
    assert model.num_parameters() == 4 and len(model.parameters()) == 4
    torch_names = [name for name, _ in TorchTied().named_parameters()]
    assert sorted(torch_names) == ["decoder_bias", "encoder.bias", "encoder.weight"]  # once, first name
    assert list(model.state_dict()) == names
    model.load_state_dict({name: 1.0 for name in names})
    assert model.decoder_weights[1].data == 1.0 and model.scale.data == 1.0


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_optimizers_accept_a_model_with_tied_weights_and_step_each_parameter_once(make):
    model = TiedAutoencoder()
    optimizer = make(model.parameters())
    assert make(model).params == optimizer.params  # a module passed directly, too
    for _ in range(3):
        optimizer.zero_grad()
        out = model([1.0, -2.0])
        (out[0] * out[0] + out[1] * out[1]).backward()
        grads = [p.grad for p in model.parameters()]
        before = [p.data for p in model.parameters()]
        optimizer.step()
    # Each parameter moved once by its whole gradient: the same as a fresh optimizer over a
    # list that names every parameter once.
    twin = TiedAutoencoder()
    twin_optimizer = make(twin.parameters())
    for _ in range(3):
        twin_optimizer.zero_grad()
        out = twin([1.0, -2.0])
        (out[0] * out[0] + out[1] * out[1]).backward()
        twin_optimizer.step()
    assert [p.data for p in model.parameters()] == [p.data for p in twin.parameters()]
    assert all(g != 0 for g in grads) and before != [p.data for p in model.parameters()]


def test_an_explicit_list_naming_a_parameter_twice_is_still_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w], lr=0.1)


def test_a_module_that_refers_to_itself_or_its_parent_is_walked_once():
    model = MLP(2, [3, 1], seed=0)
    before = list(model.named_parameters())
    model.layers[0].owner = model  # a cycle
    model.layers.append(model.layers)  # a list containing itself
    assert list(model.named_parameters()) == before


# --- the remembered walk is never out of date ----------------------------------------------


def reference_walk(module: Module) -> list[tuple[str, Value]]:
    """The plain definition: walk public attributes, lists and tuples; each Value once."""
    found: list[tuple[str, Value]] = []
    seen: set[int] = {id(module)}

    def walk(item: Any, name: str) -> Iterator[tuple[str, Any]]:
        items = (
            [(k, v) for k, v in vars(item).items() if not k.startswith("_")]
            if isinstance(item, Module)
            else [(str(i), v) for i, v in enumerate(item)]
        )
        for key, sub in items:
            if isinstance(sub, (Value, Module, list, tuple)) and id(sub) not in seen:
                seen.add(id(sub))
                path = f"{name}.{key}" if name else key
                if isinstance(sub, Value):
                    found.append((path, sub))
                else:
                    yield from walk(sub, path)

    list(walk(module, ""))
    return found


class Box(Module):
    def __init__(self, inner: Any = None) -> None:
        self.items: list[Any] = [Value(1.0), [Value(2.0)]]
        self.pair = (Value(3.0), [Value(4.0)])
        if inner is not None:
            self.inner = inner


def _containers(module: Module) -> list[list[Any]]:
    """Every list reachable from ``module`` (where a change can hide)."""
    found, seen, stack = [], set(), [module]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, list):
            found.append(item)
        if isinstance(item, Module):
            stack.extend(v for k, v in vars(item).items() if not k.startswith("_"))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _modules(module: Module) -> list[Module]:
    found, seen, stack = [], set(), [module]
    while stack:
        item = stack.pop()
        if id(item) in seen or not isinstance(item, (Module, list, tuple)):
            continue
        seen.add(id(item))
        if isinstance(item, Module):
            found.append(item)
            stack.extend(vars(item).values())
        else:
            stack.extend(item)
    return found


def _change(model: Module, kind: int, a: int, b: int, new: Any) -> None:
    """One structural change, chosen by ``kind``, at places chosen by ``a`` and ``b``."""
    lists = _containers(model)
    modules = _modules(model)
    some_list = lists[a % len(lists)] if lists else []  # [] : changes nothing the model reaches
    some_module = modules[a % len(modules)]
    if kind == 0:
        some_list.append(new)
    elif kind == 1 and some_list:
        some_list[b % len(some_list)] = new
    elif kind == 2 and some_list:
        del some_list[b % len(some_list)]
    elif kind == 3:
        some_list.insert(0, new)
    elif kind == 4:
        some_list.reverse()
    elif kind == 5:
        some_list[:] = [new, *some_list[:1]]
    elif kind == 6:
        setattr(some_module, f"attr{b % 3}", new)
    elif kind == 7:
        public = [k for k in vars(some_module) if not k.startswith("_")]
        if public:
            delattr(some_module, public[b % len(public)])
    elif kind == 8:
        some_list.extend([new, new])
    elif kind == 9 and some_list:
        some_list.pop()
    elif kind == 10:
        some_module._private = new  # private: not searched, changes nothing


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 50), st.integers(0, 50)), max_size=12))
def test_the_remembered_parameters_always_equal_a_fresh_walk(changes):
    model = Box(Box(MLP(2, [2, 1], seed=0)))
    for kind, a, b in changes:
        params = reference_walk(model)
        tied = params[b % len(params)][1] if params else Value(8.0)
        new = [Value(float(b)), Box(), [Value(5.0), Value(6.0)], (Value(7.0),), tied, 1.5][b % 6]
        model.parameters()  # remember a walk...
        _change(model, kind, a, b, new)  # ...change the structure...
        expected = reference_walk(model)  # ...and the remembered one must not be used
        assert [(n, id(p)) for n, p in model.named_parameters()] == [(n, id(p)) for n, p in expected]
        assert model.num_parameters() == len(expected)
        inner = model.inner if "inner" in vars(model) and isinstance(model.inner, Module) else None
        if inner is not None:
            assert [id(p) for p in inner.parameters()] == [id(p) for _, p in reference_walk(inner)]
        model.zero_grad()
        assert all(p.grad == 0.0 for _, p in expected)


def test_parameters_returns_a_new_list_each_time():
    model = MLP(2, [3, 1], seed=0)
    first = model.parameters()
    first.clear()
    assert len(model.parameters()) == 13


def test_zero_grad_reaches_a_parameter_added_after_the_first_call():
    model = MLP(2, [3, 1], seed=0)
    model.zero_grad()
    extra = Value(1.0)
    extra.grad = 5.0
    model.layers[0].neurons[0].w.append(extra)
    model.zero_grad()
    assert extra.grad == 0.0


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copied_model_lists_its_own_parameters(duplicate):
    model = MLP(2, [3, 1], seed=0)
    model.parameters()
    twin = duplicate(model)
    assert "_found_parameters" not in pickle.loads(pickle.dumps(model)).__dict__
    ids = {id(p) for p in model.parameters()}
    assert all(id(p) not in ids for p in twin.parameters())
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
    twin.zero_grad()
    twin.layers[0].neurons[0].w[0].grad = 1.0
    twin.layers[1].neurons.append(Neuron(3, seed=1))
    assert twin.num_parameters() == 17 and model.num_parameters() == 13
