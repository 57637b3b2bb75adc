"""`python -m nn hand --explain`: the walkthrough's derivation, every number the engine's."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from nn.__main__ import main
from nn.tutorials.hand import LEARNING_RATE, START_WEIGHTS, hand_example, walkthrough_errata
from nn.tutorials.hand_explain import hand_derivation, hand_graph

GOLDEN = Path(__file__).resolve().parent / "golden" / "hand_explain.txt"


def _cli_output():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["hand", "--explain"]) == 0
    return out.getvalue()


def _backward():
    nodes = hand_graph()
    nodes["loss"].backward()
    return nodes


def test_output_is_pinned():
    # Regenerate after an intended change: python -m nn hand --explain > tests/golden/hand_explain.txt
    assert _cli_output() == GOLDEN.read_text()


def test_every_derived_number_is_backwards_own():
    nodes = _backward()
    values = hand_derivation().values
    # Exact: the derivation reads explain()'s numbers, which replay backward's float operations.
    for name in ("y5", "a3", "y3", "a1", "y4", "a2"):
        assert values[f"d loss/d {name}"] == nodes[name].grad
    for delta, total in (("delta5", "a3"), ("delta3", "a1"), ("delta4", "a2")):
        assert values[delta] == -nodes[total].grad
    for weight in START_WEIGHTS:
        assert values[f"d loss/d {weight}"] == nodes[weight].grad
        assert values[f"new {weight}"] == START_WEIGHTS[weight] - LEARNING_RATE * nodes[weight].grad


def test_the_pinned_text_prints_backwards_numbers():
    nodes = _backward()
    text = GOLDEN.read_text()
    six = lambda x: f"{x:.6f}"  # noqa: E731
    for delta, total in (("delta5", "a3"), ("delta3", "a1"), ("delta4", "a2")):
        assert f"{delta} = -d loss/d {total} = {six(-nodes[total].grad)}" in text
    for weight in START_WEIGHTS:
        grad = nodes[weight].grad
        assert re.search(rf"{weight}: d loss/d {weight} = .* = {six(grad)}   \(step \d\)", text)
        assert re.search(rf"change = lr delta\d \w+ = {six(-grad)}", text)
        assert (
            f"new {weight} = {START_WEIGHTS[weight]:g} + change = {six(START_WEIGHTS[weight] - grad)}" in text
        )


def test_numbers_agree_with_the_delta_rule_computed_independently():
    ex = hand_example()  # the delta rule written as the walkthrough writes it, and one SGD step
    values = hand_derivation().values
    for delta in ("delta5", "delta3", "delta4"):
        assert values[delta] == pytest.approx(ex.deltas[delta], abs=1e-15)
    for weight in START_WEIGHTS:
        assert values[f"change {weight}"] == pytest.approx(ex.changes[weight], abs=1e-15)
        assert values[f"new {weight}"] == ex.new_weights[weight]


def test_a_note_exactly_where_the_walkthrough_prints_something_else():
    text = GOLDEN.read_text()
    noted = {
        line.split("walkthrough: ")[1].split(" (")[0] for line in text.splitlines() if "walkthrough: " in line
    }
    derivation_quantities = {"a1", "y3", "a2", "a3", "y5", "error", "delta5", "delta3", "delta4"}
    derivation_quantities |= {
        q for q in (e.quantity for e in walkthrough_errata()) if q.split()[0] in ("change", "new")
    }
    wrong = {
        e.printed for e in walkthrough_errata() if not e.is_right and e.quantity in derivation_quantities
    }
    assert noted == wrong
    assert "walkthrough: -0.0819 (a slip)" in text  # delta4, ten times too large
    assert "walkthrough: -0.0027" not in text  # delta3 is printed right
