"""The hand-computed example's backward pass, derived by the engine in the walkthrough's notation.

The walkthrough derives one training step by hand: the error terms (deltas) of the output
unit and of the two hidden units, then each weight's change and new value. Here the same
derivation is read off :func:`autograd.explain.explain` of the example's loss: every number
is a gradient, local derivative or product that ``backward()`` computes (the step it comes
from is named), so none can be a slip of the pen. With

* ``loss = 0.5 * (target - y5)^2`` and learning rate ``lr``,
* ``delta_j = -d loss / d a_j`` (the delta rule's error term of unit ``j``),
* each weight's change ``-lr * d loss / d w = lr * delta_j * (the input it multiplies)``,

a line ends with ``walkthrough: ...`` where the walkthrough prints another number (its
verdict comes from :func:`nn.tutorials.hand.walkthrough_errata`).

``python -m nn hand --explain`` prints it.

Example:
    >>> derivation = hand_derivation()
    >>> round(derivation.values["delta4"], 6), derivation.values["delta4"] == -derivation.gradients["a2"]
    (-0.008071, True)
    >>> "delta4 = -d loss/d a2 = -0.008071   walkthrough: -0.0819 (a slip)" in str(derivation)
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value
from autograd.explain import Explanation, Step, explain
from nn.layers import MLP
from nn.tutorials.hand import INPUTS, LEARNING_RATE, START_WEIGHTS, TARGET, Erratum, walkthrough_errata

__all__ = ["HandDerivation", "hand_derivation", "hand_graph"]

# hidden-to-output weights first (as the walkthrough), then input-to-hidden: (weight, unit's
# weighted sum, the input it multiplies, the unit's delta)
_WEIGHTS = (
    ("w13", "a3", "y3", "delta5"),
    ("w23", "a3", "y4", "delta5"),
    ("w11", "a1", "x1", "delta3"),
    ("w21", "a1", "x2", "delta3"),
    ("w12", "a2", "x1", "delta4"),
    ("w22", "a2", "x2", "delta4"),
)


def hand_graph() -> dict[str, Value]:
    """The example's graph with every node named as in the walkthrough (``loss`` is the root).

    The network is :class:`~nn.MLP` as in :func:`nn.tutorials.hand.hand_example` (same ops,
    same order, so the same bits); the loss is ``0.5 * error * error``, ``error = target - y5``.
    """
    w = START_WEIGHTS
    net = MLP.from_weights(
        [[[w["w11"], w["w21"]], [w["w12"], w["w22"]]], [[w["w13"], w["w23"]]]],
        biases=None,
        activation="sigmoid",
        output_activation="sigmoid",
    )
    (h1, h2), (o3,) = (layer.neurons for layer in net.layers)
    nodes = {"w11": h1.w[0], "w21": h1.w[1], "w12": h2.w[0], "w22": h2.w[1], "w13": o3.w[0], "w23": o3.w[1]}
    nodes["x1"], nodes["x2"] = Value(INPUTS[0]), Value(INPUTS[1])
    nodes["y3"], nodes["y4"] = net.layers[0]([nodes["x1"], nodes["x2"]])
    (nodes["y5"],) = net.layers[1]([nodes["y3"], nodes["y4"]])
    for unit, total in (("y3", "a1"), ("y4", "a2"), ("y5", "a3")):
        nodes[total] = nodes[unit].parents[0]  # a sigmoid's one input is its weighted sum
    nodes["error"] = TARGET - nodes["y5"]
    nodes["loss"] = 0.5 * nodes["error"] * nodes["error"]
    for name, node in nodes.items():
        node.label = name
    return nodes


@dataclass(frozen=True)
class HandDerivation:
    """The derivation's text and its numbers.

    Attributes:
        explanation: ``explain(loss)``: the engine's steps the numbers come from.
        values: every number the text derives, by name (``"delta5"``, ``"change w11"``,
            ``"new w11"``, ``"d loss/d y3"`` ...).
        gradients: ``d loss / d node`` for every named node, from the explanation.
        lines: the text, one line each.
    """

    explanation: Explanation
    values: dict[str, float]
    gradients: dict[str, float]
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _note(erratum: Erratum | None) -> str:
    if erratum is None or erratum.is_right:
        return ""
    kind = "a slip" if erratum.verdict == "slip" else "carried over"
    return f"   walkthrough: {erratum.printed} ({kind})"


def hand_derivation(decimals: int = 6) -> HandDerivation:
    """Derive the example's backward pass and update from the engine's own steps."""
    nodes = hand_graph()
    explanation = explain(nodes["loss"], precision=17)
    writer = _DerivationWriter(nodes, explanation, decimals)
    writer.write_introduction()
    writer.write_forward_pass()
    writer.write_output_unit()
    writer.write_hidden_units()
    writer.write_weights()
    return HandDerivation(explanation, writer.values, writer.grad, tuple(writer.lines))


class _DerivationWriter:
    """Writes the derivation section by section, collecting its lines and its numbers."""

    def __init__(self, nodes: dict[str, Value], explanation: Explanation, decimals: int) -> None:
        self.nodes = nodes
        self.decimals = decimals
        self.step_of: dict[Value, Step] = {step.node: step for step in explanation.steps}
        self.grad = {name: explanation.gradients[node] for name, node in nodes.items()}
        self.errata = {e.quantity: e for e in walkthrough_errata()}
        self.values: dict[str, float] = {}
        self.lines: list[str] = []

    def f(self, x: float) -> str:
        return f"{x:.{self.decimals}f}"

    def product(self, of: str, into: str) -> tuple[Step, float, float]:
        """The step that computes node ``of`` and its local derivative, contribution to ``into``."""
        step = self.step_of[self.nodes[of]]
        (p,) = [p for p in step.products if p.parent is self.nodes[into]]
        return step, p.local, p.contribution

    def write_introduction(self) -> None:
        self.lines += [
            "The hand-computed example's backward pass, derived by the engine (autograd.explain) in the",
            f"walkthrough's notation: loss = 0.5 (target - y5)^2, target {TARGET}, "
            f"learning rate {LEARNING_RATE:g};",
            "delta_j = -d loss/d a_j; each weight changes by -lr d loss/d w = lr delta_j (its input).",
            f"Every number is the engine's, to {self.decimals} decimals; "
            "'step k' is step k of explain(loss).",
            "'walkthrough:' gives the number it prints instead: 'a slip' is wrong even from its own earlier",
            "numbers, 'carried over' follows from them.",
            "",
            "Forward pass (the values the derivation uses)",
        ]

    def write_forward_pass(self) -> None:
        forward = [
            ("a1", "w11 x1 + w21 x2"),
            ("y3", "sigmoid(a1)"),
            ("a2", "w12 x1 + w22 x2"),
            ("y4", "sigmoid(a2)"),
            ("a3", "w13 y3 + w23 y4"),
            ("y5", "sigmoid(a3)"),
            ("error", "target - y5"),
        ]
        for name, formula in forward:
            value = float(self.nodes[name].data)
            self.values[name] = value
            self.lines.append(f"  {name:<5} = {formula:<15} = {self.f(value)}{_note(self.errata.get(name))}")
        for name in ("y3", "y4"):
            if not self.errata[f"{name} in a3"].is_right:
                self.lines.append(
                    f"  (the walkthrough puts {name} = {self.errata[f'{name} in a3'].printed} into a3)"
                )

    def write_output_unit(self) -> None:
        f, grad = self.f, self.grad
        self.lines += ["", "Output unit"]
        self.values["d loss/d y5"] = grad["y5"]
        self.lines.append(
            f"  d loss/d y5 = -(target - y5) = {f(grad['y5'])}   "
            f"(steps 1-{self.step_of[self.nodes['error']].number})"
        )
        step, local, contribution = self.product("y5", "a3")
        self.values["d loss/d a3"], self.values["sigmoid'(a3)"] = contribution, local
        self.values["delta5"] = -contribution
        self.lines += [
            f"  d loss/d a3 = d loss/d y5 * y5 (1 - y5) = {f(grad['y5'])} * {f(local)} = {f(contribution)}"
            f"   (step {step.number})",
            f"  delta5 = -d loss/d a3 = {f(-contribution)}{_note(self.errata['delta5'])}",
            "",
            "Hidden units",
        ]

    def write_hidden_units(self) -> None:
        f, grad = self.f, self.grad
        for unit, hidden, total, weight, delta in (
            ("h1", "y3", "a1", "w13", "delta3"),
            ("h2", "y4", "a2", "w23", "delta4"),
        ):
            step, local, contribution = self.product("a3", hidden)
            self.values[f"d loss/d {hidden}"] = contribution
            self.lines.append(
                f"  {unit}: d loss/d {hidden} = d loss/d a3 * {weight} = "
                f"{f(grad['a3'])} * {f(local)} = {f(contribution)}   (step {step.number})"
            )
            step, local, contribution = self.product(hidden, total)
            self.values[f"d loss/d {total}"] = contribution
            self.values[delta] = -contribution
            self.lines += [
                f"      d loss/d {total} = d loss/d {hidden} * {hidden} (1 - {hidden}) = "
                f"{f(grad[hidden])} * {f(local)} = {f(contribution)}   (step {step.number})",
                f"      {delta} = -d loss/d {total} = {f(-contribution)}{_note(self.errata[delta])}",
            ]

    def write_weights(self) -> None:
        f, grad, errata = self.f, self.grad, self.errata
        self.lines += ["", f"Weights (lr = {LEARNING_RATE:g}; new = old - lr d loss/d w)"]
        for weight, total, source, delta in _WEIGHTS:
            _, local, _ = self.product(total, weight)
            gradient = grad[weight]
            change = -LEARNING_RATE * gradient
            new = START_WEIGHTS[weight] - LEARNING_RATE * gradient
            self.values[f"d loss/d {weight}"] = gradient
            self.values[f"change {weight}"] = change
            self.values[f"new {weight}"] = new
            step = self.step_of[self.nodes[total]]
            self.lines += [
                f"  {weight}: d loss/d {weight} = d loss/d {total} * {source} = "
                f"{f(grad[total])} * {f(local)} = {f(gradient)}   (step {step.number})",
                f"       change = lr {delta} {source} = {f(change)}{_note(errata.get(f'change {weight}'))}",
                f"       new {weight} = {START_WEIGHTS[weight]:g} + change = {f(new)}"
                + _note(errata.get(f"new {weight}")),
            ]
