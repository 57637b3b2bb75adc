"""``autograd.trace``: a function recorded once per structure key, replayed after that.

A replay must give the same numbers as building the graph afresh -- the same bits, since it
runs the same rules on the same numbers in the same order -- for new data, new parameters and
new keys; data-dependent choices go through ``gather`` and ``logsumexp``; reading a value's
number into plain Python while recording warns.
"""

from __future__ import annotations

import random
import struct
import threading
import warnings

import numpy as np
import pytest

from autograd import FrozenDataWarning, Value, dot, gather, logsumexp, trace, warn_data_reads


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


class Model:
    """A tiny sequence model: an embedding table, a weight matrix, cross-entropy per position."""

    def __init__(self, seed: int = 0) -> None:
        rng = random.Random(seed)
        self.table = [[Value(rng.gauss(0, 1)) for _ in range(3)] for _ in range(5)]
        self.weights = [[Value(rng.gauss(0, 1)) for _ in range(3)] for _ in range(5)]
        self.params = [p for m in (self.table, self.weights) for row in m for p in row]

    def loss(self, tokens: list) -> Value:
        """Written for ``trace``: token ids may be Values (gather picks rows and targets)."""
        columns = list(zip(*self.table))
        losses = []
        for pos in range(len(tokens) - 1):
            x = [gather(column, tokens[pos]) for column in columns]
            logits = [dot(row, x) for row in self.weights]
            losses.append(logsumexp(logits) - gather(logits, tokens[pos + 1]))
        return sum(losses) / len(losses)

    def fresh(self, tokens: list[int]) -> tuple[float, list[float]]:
        """The loss and gradients built afresh, with plain indices."""
        for p in self.params:
            p.grad = 0.0
        loss = self.loss([Value(t) for t in tokens])
        loss.backward()
        return loss.data, [p.grad for p in self.params]


def run_traced(model: Model, step, tokens: list[int]) -> tuple[float, list[float]]:
    for p in model.params:
        p.grad = 0.0
    loss = step(tokens)
    step.backward()
    return loss.data, [p.grad for p in model.params]


@pytest.mark.parametrize("straight_line", [None, False, True])
def test_replays_give_the_bits_of_a_fresh_build(straight_line):
    model = Model()
    step = trace(model.loss, straight_line=straight_line)
    sequences = [[0, 1, 2], [4, 3, 0], [1, 1, 1, 4], [2, 0, 3], [3, 2, 1, 0], [0, 0]]
    for k, tokens in enumerate(sequences):
        got = run_traced(model, step, tokens)
        expected = model.fresh(tokens)
        assert bits(got[0]) == bits(expected[0]), f"call {k}"
        assert list(map(bits, got[1])) == list(map(bits, expected[1])), f"call {k}"
        for p in model.params:  # an optimizer step: replays read the parameters' new data
            p.data -= 0.1 * p.grad
    assert len(step) == 3  # lengths 3, 4 and 2


def test_the_key_selects_the_recording_and_a_replay_makes_no_node():
    model = Model()
    step = trace(model.loss)
    first = step([0, 1, 2])
    order = list(step.tape.order)
    again = step([3, 4, 0])
    assert again is first and step.tape.order == order  # the same nodes, new data
    longer = step([0, 1, 2, 3])
    assert longer is not first and len(step) == 2
    assert step([1, 2, 3]) is first
    step.clear()
    assert len(step) == 0 and step([1, 2, 3]) is not first


def test_a_key_function_adds_to_the_structure():
    w = Value(2.0)
    calls = []

    def f(x, sign):
        calls.append(sign)
        return w * x if sign > 0 else -(w * x)

    # The key covers the comparison, which the watch cannot know: it would warn (as intended).
    step = trace(f, key=lambda x, sign: sign > 0, check_reads="never")
    assert step(3.0, 1).data == 6.0
    assert step(4.0, -1).data == -8.0
    assert step(5.0, 7).data == 10.0
    assert [c.data for c in calls] == [7.0, -1.0]  # the third call replayed the first recording
    with pytest.raises(TypeError, match="hashable"):
        trace(f, key=lambda x, sign: [sign])(1.0, 1)


def test_arguments_numbers_arrays_and_structure():
    w = Value(3.0)

    def f(xs, batch, mode):
        total = sum(xs) * w + batch.sum()
        return total if mode == "plain" else total * 2

    step = trace(f)
    assert step([1, 2.0, np.float64(3.0)], np.array([1.0, 2.0]), "plain").data == 21.0
    assert step([0, 0, 1], np.array([5.0, 5.0]), "plain").data == 13.0
    assert len(step) == 1
    assert step([0, 0, 1], np.array([5.0, 5.0, 5.0]), "plain").data == 18.0  # a new batch size
    assert step([0, 0, 1], np.array([5.0, 5.0]), "double").data == 26.0
    assert step((0, 0, 1), np.array([5.0, 5.0]), "plain").data == 13.0  # a tuple: a new shape
    assert len(step) == 4


def test_bad_calls_are_refused_clearly():
    w = Value(1.0)
    step = trace(lambda x: w * x)
    with pytest.raises(TypeError, match="x is a Value; arguments are data"):
        step(Value(2.0))
    with pytest.raises(TypeError, match=r"x\[0\] \(dict\) is neither data"):
        step([{}])
    with pytest.raises(RuntimeError, match="call the function first"):
        step.backward()
    with pytest.raises(RuntimeError, match="call the function first"):
        _ = step.tape
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 2.0)(1.0)
    with pytest.raises(TypeError, match="expected a function"):
        trace(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check_reads"):
        trace(lambda x: w * x, check_reads="sometimes")
    with pytest.raises(TypeError, match="Value expects"):
        step(True and np.array([[1.0]]))  # a 2-D array is not data a Value can hold


def test_a_replay_refuses_a_bad_index_like_a_build():
    table = [Value(1.0), Value(2.0)]
    step = trace(lambda i: gather(table, i) * 1.0)
    assert step(1).data == 2.0
    with pytest.raises(IndexError, match="out of range"):
        step(2)
    with pytest.raises(ValueError, match="integer"):
        step(0.5)


def test_reading_data_while_recording_warns_and_names_the_line():
    logits = [Value(1.0, label="a"), Value(3.0, label="b")]

    def softmax_first(scale):
        top = max(v.data for v in logits)  # frozen into the recording
        exps = [((v - top) * scale).exp() for v in logits]
        return exps[0] / sum(exps)

    expected = r"line \d+ read the number of a into plain Python \(\.data"
    with pytest.warns(FrozenDataWarning, match=expected) as caught:
        trace(softmax_first)(1.0)
    assert caught[0].filename == __file__
    assert "logsumexp" in str(caught[0].message)


@pytest.mark.parametrize(
    "read",
    [lambda v: v.item(), lambda v: v > 0, lambda v: v <= 0, lambda v: v.data],
    ids=["item", "gt", "le", "data"],
)
def test_every_way_of_reading_a_number_warns(read):
    w = Value(2.0, label="w")
    with pytest.warns(FrozenDataWarning, match="read the number of w"):
        trace(lambda x: w * x * (1.0 if read(w) else 2.0))(1.0)


def test_no_warning_for_the_rules_own_reads_constants_or_after_recording():
    table = [Value(0.5), Value(1.5)]

    def clean(i, x):
        c = Value(2.0) * 1.0  # a constant times a constant
        return logsumexp([gather(table, i) * x, c.relu()]).sigmoid()

    step = trace(clean)
    original = Value.__dict__["data"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step(1, 2.0)
        step(0, 3.0)
        step.tape.root.data  # after recording: nothing is watched  # noqa: B018
        assert Value.__dict__["data"] is original  # put back after each recording


def test_check_reads_says_which_recordings_are_watched():
    w = Value(2.0, label="w")
    step = trace(lambda xs: w * w.data * sum(xs), check_reads="first")
    with pytest.warns(FrozenDataWarning):
        step([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step([1.0, 2.0])  # a second shape: recorded without the watch
        trace(lambda xs: w * w.data * sum(xs), check_reads="never")([1.0])
    every = trace(lambda xs: w * w.data * sum(xs))  # the default: every recording
    for xs in ([1.0], [1.0, 2.0]):
        with pytest.warns(FrozenDataWarning):
            every(xs)


def test_the_watch_is_per_thread_and_nests():
    w = Value(2.0, label="w")
    seen = []

    def other_thread():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _ = w.data  # not recording here
        seen.append(len(caught))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with warn_data_reads("outer"), warn_data_reads("inner"):
            thread = threading.Thread(target=other_thread)
            thread.start()
            thread.join()
            _ = w.data
        _ = w.data  # after the blocks: not watched
    assert seen == [0]
    assert [str(c.message).split(":")[0] for c in caught] == ["inner"]
