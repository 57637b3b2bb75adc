"""The hand-computed example of the backprop walkthrough, replayed with the engine.

The network is tiny enough to follow on paper: two inputs, two sigmoid hidden units, one
sigmoid output, no biases. We keep the walkthrough's names:

* inputs ``x1 = 0.35``, ``x2 = 0.7``; target ``0.5``; learning rate ``1``;
* ``w_ij`` is the weight from unit ``i`` into unit ``j``: ``w11, w21`` feed hidden unit 1,
  ``w12, w22`` hidden unit 2, ``w13, w23`` the output (from the hidden outputs ``y3, y4``);
* ``a1, a2, a3`` are weighted sums; ``y3, y4, y5`` the sigmoid outputs;
* ``delta5, delta3, delta4`` are the error terms of the delta rule, and each weight moves by
  ``lr * delta_j * (the input that weight multiplies)``.

The delta rule is gradient descent on ``0.5 * (target - y5)^2``: :func:`hand_example` checks
it by comparing every delta-rule change with ``-lr * grad`` from ``backward()``, and every
delta with ``-d loss / d a_j`` (the gradient the engine leaves on the weighted-sum node).

Example:
    >>> ex = hand_example()
    >>> round(ex.forward["y5"], 6), round(ex.deltas["delta4"], 6)
    (0.665074, -0.008071)
    >>> ex.rule_vs_gradient_gap < 1e-15
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autograd import Value
from nn.layers import MLP
from nn.optim import SGD

__all__ = [
    "HandExample",
    "hand_example",
    "Erratum",
    "walkthrough_errata",
    "WALKTHROUGH_PRINTED",
    "INPUTS",
    "TARGET",
    "LEARNING_RATE",
    "START_WEIGHTS",
]

INPUTS = (0.35, 0.7)
TARGET = 0.5
LEARNING_RATE = 1.0
START_WEIGHTS = {"w11": 0.2, "w21": 0.2, "w12": 0.3, "w22": 0.3, "w13": 0.3, "w23": 0.9}

# Which weight multiplies which input, per the walkthrough's w_ij naming: (weight, receiving
# unit's delta, the input it multiplies). Used to apply the delta rule by hand.
_CONNECTIONS = (
    ("w11", "delta3", "x1"),
    ("w21", "delta3", "x2"),
    ("w12", "delta4", "x1"),
    ("w22", "delta4", "x2"),
    ("w13", "delta5", "y3"),
    ("w23", "delta5", "y4"),
)


@dataclass(frozen=True)
class HandExample:
    """Every number of the worked example, computed with the engine.

    Attributes:
        forward: ``a1, y3, a2, y4, a3, y5`` and ``error = target - y5`` before the update.
        loss: ``0.5 * error**2``.
        deltas: ``delta5, delta3, delta4`` from the delta rule's formulas.
        deltas_from_backward: the same, as ``-d loss / d a_j`` read off the engine's graph.
        changes: the delta rule's change of each weight, ``lr * delta_j * input``.
        gradients: ``d loss / d w`` for each weight, from ``loss.backward()``.
        new_weights: the weights after one ``SGD(lr=1)`` step on the engine's gradients.
        forward_after: the forward values with the new weights.
        rule_vs_gradient_gap: the largest ``|change - (-lr * gradient)|`` over the weights.
        delta_vs_gradient_gap: the largest ``|delta - (-d loss / d a_j)|`` over the units.
    """

    forward: dict[str, float]
    loss: float
    deltas: dict[str, float]
    deltas_from_backward: dict[str, float]
    changes: dict[str, float]
    gradients: dict[str, float]
    new_weights: dict[str, float]
    forward_after: dict[str, float]
    rule_vs_gradient_gap: float
    delta_vs_gradient_gap: float


def _network(weights: dict[str, float]) -> MLP:
    """The 2-2-1 sigmoid network without biases; row j of a matrix holds unit j's weights."""
    hidden = [[weights["w11"], weights["w21"]], [weights["w12"], weights["w22"]]]
    output = [[weights["w13"], weights["w23"]]]
    return MLP.from_weights([hidden, output], biases=None, activation="sigmoid", output_activation="sigmoid")


def _weight_values(net: MLP) -> dict[str, Value]:
    """The network's parameters under the walkthrough's names."""
    (h1, h2), (o3,) = (layer.neurons for layer in net.layers)
    return {"w11": h1.w[0], "w21": h1.w[1], "w12": h2.w[0], "w22": h2.w[1], "w13": o3.w[0], "w23": o3.w[1]}


def _forward(net: MLP) -> tuple[dict[str, Value], Value]:
    """The forward pass, keeping each weighted sum ``a_j`` and output ``y_j`` as graph nodes."""
    y3, y4 = net.layers[0](list(INPUTS))
    y5 = net.layers[1]([y3, y4])[0]
    # a sigmoid node's only parent is the weighted sum it squashes
    nodes = {"a1": y3.parents[0], "y3": y3, "a2": y4.parents[0], "y4": y4, "a3": y5.parents[0], "y5": y5}
    error = TARGET - y5
    return nodes, error


def _numbers(nodes: dict[str, Value], error: Value) -> dict[str, float]:
    return {**{name: node.item() for name, node in nodes.items()}, "error": error.item()}


def hand_example() -> HandExample:
    """Replay the worked example: forward, delta rule, gradients, one update, forward again."""
    net = _network(START_WEIGHTS)
    nodes, error = _forward(net)
    loss = 0.5 * error * error
    loss.backward()
    before = _numbers(nodes, error)

    # The delta rule, written as the walkthrough writes it.
    y3, y4, y5 = before["y3"], before["y4"], before["y5"]
    delta5 = y5 * (1 - y5) * (TARGET - y5)
    deltas = {
        "delta5": delta5,
        "delta3": y3 * (1 - y3) * START_WEIGHTS["w13"] * delta5,
        "delta4": y4 * (1 - y4) * START_WEIGHTS["w23"] * delta5,
    }
    signal = {"x1": INPUTS[0], "x2": INPUTS[1], "y3": y3, "y4": y4}
    changes = {w: LEARNING_RATE * deltas[d] * signal[x] for w, d, x in _CONNECTIONS}

    # The same numbers from the engine's backward pass.
    weights = _weight_values(net)
    gradients = {name: float(w.grad) for name, w in weights.items()}
    unit_of = {"delta3": "a1", "delta4": "a2", "delta5": "a3"}
    from_backward = {d: -float(nodes[a].grad) for d, a in unit_of.items()}

    SGD(net.parameters(), lr=LEARNING_RATE).step()
    new_weights = {name: float(w.data) for name, w in weights.items()}
    after = _numbers(*_forward(net))

    return HandExample(
        forward=before,
        loss=loss.item(),
        deltas=deltas,
        deltas_from_backward=from_backward,
        changes=changes,
        gradients=gradients,
        new_weights=new_weights,
        forward_after=after,
        rule_vs_gradient_gap=max(abs(changes[w] + LEARNING_RATE * gradients[w]) for w in changes),
        delta_vs_gradient_gap=max(abs(deltas[d] - from_backward[d]) for d in deltas),
    )


# --- what the walkthrough printed -----------------------------------------------------------

# Each number the walkthrough prints, as printed (the string keeps its precision).
# "y3 in a3" and "y4 in a3" are the hidden outputs it plugs into a3 (it never prints y4 alone).
WALKTHROUGH_PRINTED: dict[str, str] = {
    "a1": "0.21",
    "y3": "0.56",
    "a2": "0.315",
    "y3 in a3": "0.57",
    "y4 in a3": "0.59",
    "a3": "0.702",
    "y5": "0.67",
    "error": "-0.17",
    "delta5": "-0.0376",
    "delta3": "-0.0027",
    "delta4": "-0.0819",
    "change w23": "-0.022184",
    "new w23": "0.877816",
    "change w11": "0.000945",
    "new w11": "0.200945",
    "new w12": "0.273225",
    "new w13": "0.086615",
    "new w21": "0.269445",
    "new w22": "0.18534",
    "y3 after": "0.57",
    "y4 after": "0.56",
    "y5 after": "0.61",
    "error after": "-0.11",
}


def _true_value(example: HandExample, quantity: str) -> float:
    """The engine's value of a quantity named as in :data:`WALKTHROUGH_PRINTED`."""
    if quantity.endswith(" after"):
        return example.forward_after[quantity.removesuffix(" after")]
    if quantity.endswith(" in a3"):
        return example.forward[quantity.removesuffix(" in a3")]
    if quantity.startswith("change "):
        return example.changes[quantity.removeprefix("change ")]
    if quantity.startswith("new "):
        return example.new_weights[quantity.removeprefix("new ")]
    if quantity.startswith("delta"):
        return example.deltas[quantity]
    return example.forward[quantity]


def _from_printed(p: dict[str, float]) -> dict[str, float]:
    """Each quantity recomputed from the walkthrough's own earlier printed numbers.

    This separates two kinds of mistake: a number that follows from earlier (wrong, rounded)
    numbers carries an error forward; one that does not is a slip at that step.
    """
    x1, x2 = INPUTS
    w = START_WEIGHTS
    lr = LEARNING_RATE
    return {
        "a1": w["w11"] * x1 + w["w21"] * x2,
        "y3": sigmoid(p["a1"]),
        "a2": w["w12"] * x1 + w["w22"] * x2,
        "y3 in a3": sigmoid(p["a1"]),
        "y4 in a3": sigmoid(p["a2"]),
        "a3": w["w13"] * p["y3 in a3"] + w["w23"] * p["y4 in a3"],
        "y5": sigmoid(p["a3"]),
        "error": TARGET - p["y5"],
        "delta5": p["y5"] * (1 - p["y5"]) * p["error"],
        "delta3": p["y3"] * (1 - p["y3"]) * w["w13"] * p["delta5"],
        "delta4": p["y4 in a3"] * (1 - p["y4 in a3"]) * w["w23"] * p["delta5"],
        "change w23": lr * p["delta5"] * p["y4 in a3"],
        "new w23": w["w23"] + p["change w23"],
        "change w11": lr * p["delta3"] * x1,
        "new w11": w["w11"] + p["change w11"],
        "new w12": w["w12"] + lr * p["delta4"] * x1,
        "new w13": w["w13"] + lr * p["delta5"] * p["y3"],
        "new w21": w["w21"] + lr * p["delta3"] * x2,
        "new w22": w["w22"] + lr * p["delta4"] * x2,
        "y3 after": sigmoid(p["new w11"] * x1 + p["new w21"] * x2),
        "y4 after": sigmoid(p["new w12"] * x1 + p["new w22"] * x2),
        "y5 after": sigmoid(p["new w13"] * p["y3 after"] + p["new w23"] * p["y4 after"]),
        "error after": TARGET - p["y5 after"],
    }


@dataclass(frozen=True)
class Erratum:
    """One printed number of the walkthrough beside the true one.

    Attributes:
        quantity: its name (see :data:`WALKTHROUGH_PRINTED`).
        printed: the number as printed.
        true: the engine's value.
        from_printed: what the walkthrough's own earlier printed numbers give.
    """

    quantity: str
    printed: str
    true: float
    from_printed: float

    @property
    def decimals(self) -> int:
        """How many decimals the walkthrough printed."""
        return len(self.printed.partition(".")[2])

    def _rounds_to_printed(self, x: float) -> bool:
        # A printed number is right when the exact value rounds to it; the 1e-12 absorbs the
        # binary representation of a value that sits exactly halfway.
        return abs(x - float(self.printed)) <= 0.5 * 10.0**-self.decimals + 1e-12

    @property
    def is_right(self) -> bool:
        """Whether the true value rounds to the printed one at the printed precision."""
        return self._rounds_to_printed(self.true)

    @property
    def verdict(self) -> str:
        """``right``; ``carried`` (wrong, but follows from the walkthrough's own earlier
        numbers); or ``slip`` (wrong even given its own earlier numbers)."""
        if self.is_right:
            return "right"
        return "carried" if self._rounds_to_printed(self.from_printed) else "slip"


def walkthrough_errata(example: HandExample | None = None) -> list[Erratum]:
    """Every number the walkthrough prints, beside the true value and a verdict.

    Example:
        >>> rows = {e.quantity: e for e in walkthrough_errata()}
        >>> rows["a1"].verdict, rows["y3"].verdict, rows["delta4"].verdict
        ('right', 'slip', 'slip')
        >>> round(rows["delta4"].true, 6), rows["delta4"].printed
        (-0.008071, '-0.0819')
    """
    example = example if example is not None else hand_example()
    printed = {name: float(text) for name, text in WALKTHROUGH_PRINTED.items()}
    recomputed = _from_printed(printed)
    return [
        Erratum(name, text, _true_value(example, name), recomputed[name])
        for name, text in WALKTHROUGH_PRINTED.items()
    ]


def sigmoid(z: float) -> float:
    """The logistic function (to re-derive the walkthrough's numbers from its own)."""
    return 1.0 / (1.0 + math.exp(-z))
