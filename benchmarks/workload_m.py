"""Workload M: a micrograd-style single-file transformer trainer, as its users write it.

The program is :mod:`benchmarks.names_gpt` (a character-level model of first names with its
own ~45-line ``Value`` class; 4,192 parameters, one name per training step). Peers, in one run:

* ``minimal``: the program as written, with its own class;
* ``chainrule``: the same text with the class replaced by ``from autograd import Value``
  (nothing else changed: a drop-in);
* ``chainrule-idioms``: that, plus the lines of :data:`IDIOMS` rewritten with ``dot`` and
  ``sum_values`` (one n-ary node per weighted sum or sum instead of a chain of binary nodes),
  ``logsumexp`` (the softmaxes and the cross-entropy) and ``nn.Adam``;
* ``chainrule-replay``: the idioms plus :data:`REPLAY`, the loss traced per length of name;
* ``micrograd`` 0.1.0: the class replaced by micrograd's ``Value``, given the ``exp`` and
  ``log`` it lacks in micrograd's own style (:data:`MICROGRAD`);
* ``torch``: the same model written with tensors (one name = one ``(n, 16)`` sequence, causal
  attention over it at once), float64, one thread, the same Adam as a plain loop.

A step is forward + backward + Adam on one name; every peer starts from the program's seeded
weights and trains on the same names in the same order, and its losses are compared with the
minimal class's. The user's garbage-collector settings are left alone.

Run: ``python -m benchmarks.workload_m``.
"""

from __future__ import annotations

import statistics
import types
from collections.abc import Callable
from typing import Any

from benchmarks.harness import (
    ROOT,
    Section,
    Target,
    best,
    child_main,
    fmt_ratio,
    fmt_time,
    interleaved,
    median,
    paired_ratio,
    table,
    timed,
)
from benchmarks.variants import apply_edits, load, replace_class

PROGRAM = ROOT / "benchmarks" / "names_gpt.py"
PEERS = ["minimal", "chainrule", "chainrule-idioms", "chainrule-replay", "micrograd", "torch"]
WARMUP, STEPS = 2, 12  # torch, at milliseconds a step
MICROGRAD_STEPS = 2  # about 3 s a step: its mean is compared with the others' over the same steps
# The replay peer runs steps 1-100 with no warm-up: its recordings (one per length of name) are
# part of its time. The minimal class runs the same 100 steps, so every peer is compared with it
# over the steps both ran.
REPLAY_STEPS = 100
# The peers at 10-300 ms a step (the drop-in, the idioms) run the same 100 steps, 98 timed after
# the warm-up: a run of a fraction of a second is at the mercy of one burst of load on a shared
# machine (the idioms measured 6.5x-12.7x over 12 steps, in runs of the same code).
LONG = ("chainrule", "chainrule-idioms")
DROP_IN = "from autograd import Value"

# The lines a chainrule user rewrites, with why each is faster (the README's porting recipe).
IDIOMS_IMPORT = "from autograd import Value, dot, logsumexp, sum_values\nfrom nn import Adam"
IDIOMS: list[tuple[str, str, str]] = [
    (
        "return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]",
        "return [dot(row, x) for row in w]",
        "a neuron's weighted sum: one `dot` node instead of n `*` and n `+` nodes",
    ),
    (
        "ms = sum(xi * xi for xi in x) / len(x)",
        "ms = dot(x, x) / len(x)",
        "rmsnorm's sum of squares: one node instead of 32",
    ),
    (
        "top = max(v.data for v in logits)\n"
        "    exps = [(v - top).exp() for v in logits]\n"
        "    total = sum(exps)\n"
        "    return [e / total for e in exps]",
        "top = logsumexp(logits)\n    return [(v - top).exp() for v in logits]",
        "softmax shifted by the log of its denominator, one node: exp(v - top) is already normalised, "
        "so no chain of `+` for the denominator and no division per entry (and a replay recomputes "
        "the shift, where a max read from `.data` would be frozen into a recording)",
    ),
    (
        "sum(qi * ki for qi, ki in zip(q[lo:hi], k[lo:hi]))",
        "dot(q[lo:hi], k[lo:hi])",
        "attention score: query . key",
    ),
    (
        "sum(a * v[j] for a, v in zip(att, values))",
        "dot(att, [v[j] for v in values])",
        "attention output: weights . values",
    ),
    (
        "probs = softmax(next_token_logits(tokens[pos], pos, keys, values))",
        "logits = next_token_logits(tokens[pos], pos, keys, values)",
        "cross-entropy from the logits ...",
    ),
    (
        "losses.append(-probs[tokens[pos + 1]].log())",
        "losses.append(logsumexp(logits) - logits[tokens[pos + 1]])",
        "... as logsumexp minus the target's logit: two nodes instead of a softmax over the 27 "
        "characters (about 80 nodes) and a log",
    ),
    ("return sum(losses) / n", "return sum_values(losses) / n", "the mean over positions"),
    (
        "m = [0.0] * len(params)\nv = [0.0] * len(params)",
        "optimizer = Adam(params, lr=lambda step: learning_rate * (1 - step / total_steps), "
        "betas=(beta1, beta2), eps=eps)",
        "chainrule's Adam (PyTorch's rule) keeps its moments in numpy arrays while every parameter "
        "is a float, and reads and writes the 4,192 parameters in bulk: ...",
    ),
    (
        "    lr = learning_rate * (1 - step / total_steps)\n"
        "    for i, p in enumerate(params):\n"
        "        m[i] = beta1 * m[i] + (1 - beta1) * p.grad\n"
        "        v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2\n"
        "        m_hat = m[i] / (1 - beta1 ** (step + 1))\n"
        "        v_hat = v[i] / (1 - beta2 ** (step + 1))\n"
        "        p.data -= lr * m_hat / (v_hat**0.5 + eps)\n"
        "        p.grad = 0\n",
        "    optimizer.step()\n    optimizer.zero_grad()\n",
        "... a few numpy expressions instead of a Python loop of six lines a parameter",
    ),
]

# The replay peer: the idioms, plus these edits (applied in this order after IDIOMS). The loss
# of one name becomes a traced function of its token ids, recorded once per length and replayed.
REPLAY_IMPORT = "from autograd import Value, dot, gather, logsumexp, sum_values, trace\nfrom nn import Adam"
REPLAY: list[tuple[str, str, str]] = [
    (
        'zip(weights["tokens"][token], weights["positions"][pos])',
        'zip(zip(*weights["tokens"]), weights["positions"][pos])',
        "the embedding row chosen by the token id as data: each column of the table, ...",
    ),
    ("[t + p for t, p in", "[gather(t, token) + p for t, p in", "... one `gather` node per column"),
    (
        "    tokens = [END] + [encode[c] for c in name] + [END]\n    n = min(",
        "    n = min(",
        "the tokens are the traced function's argument (below)",
    ),
    (
        "def loss_of(name):",
        "def loss_of(name):\n"
        "    tokens = [END] + [encode[c] for c in name] + [END]\n"
        "    return loss_of_tokens(tokens[: block_size + 1])\n\n\n"
        "@trace(vectorized=True)\n"
        "def loss_of_tokens(tokens):",
        "the loss of a list of token ids, recorded once per length (the key `trace` takes by "
        "default: the arguments' shapes) and replayed for every other name of that length, "
        "with numpy, a group of like nodes at a time (the 16 neurons of a layer at every position)",
    ),
    (
        "logits[tokens[pos + 1]])",
        "gather(logits, tokens[pos + 1]))",
        "the target's logit chosen by `gather`: the target is data",
    ),
    ("    loss.backward()", "    loss_of_tokens.backward()", "the backward pass along the replayed tape"),
]

# micrograd 0.1.0 has no exp or log: a micrograd user adds them the way its other ops are written.
MICROGRAD = """from micrograd.engine import Value


def _exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def _log(self):
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += (1 / self.data) * out.grad

    out._backward = _backward
    return out


Value.exp, Value.log = _exp, _log"""


def source(peer: str) -> str:
    """The program's text as ``peer`` runs it."""
    text = PROGRAM.read_text()
    if peer in ("minimal", "torch"):  # torch: the program gives it its names and first weights
        return text
    if peer == "micrograd":
        return replace_class(text, "Value", MICROGRAD)
    if peer == "chainrule":
        return replace_class(text, "Value", DROP_IN)
    if peer == "chainrule-idioms":
        return apply_edits(
            replace_class(text, "Value", IDIOMS_IMPORT), [(old, new) for old, new, _ in IDIOMS]
        )
    if peer == "chainrule-replay":
        idioms = apply_edits(
            replace_class(text, "Value", REPLAY_IMPORT), [(old, new) for old, new, _ in IDIOMS]
        )
        return apply_edits(idioms, [(old, new) for old, new, _ in REPLAY])
    raise ValueError(f"unknown peer {peer!r}; known: {', '.join(PEERS)}")


def program(peer: str) -> types.ModuleType:
    """A fresh copy of the program for ``peer`` (the seeded weights and shuffled names)."""
    return load(source(peer), f"names_gpt_{peer.replace('-', '_')}", PROGRAM)


# --- PyTorch: the same model with tensors --------------------------------------------------------


def torch_program(prog: types.ModuleType) -> Callable[[int], float]:
    """``train_step`` of ``prog`` written with float64 tensors, from ``prog``'s weights."""
    import torch

    w = {
        k: torch.tensor([[p.data for p in row] for row in m], dtype=torch.float64, requires_grad=True)
        for k, m in prog.weights.items()
    }
    params = list(w.values())
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    n_head, head_dim = prog.n_head, prog.head_dim

    def rmsnorm(x: Any) -> Any:
        return x * ((x * x).mean(-1, keepdim=True) + 1e-5) ** -0.5

    def loss_of(name: str) -> Any:
        tokens = [prog.END] + [prog.encode[c] for c in name] + [prog.END]
        n = min(prog.block_size, len(tokens) - 1)
        x = w["tokens"][tokens[:n]] + w["positions"][:n]
        h = rmsnorm(x)
        q, k, val = (
            (h @ w[part].T).view(n, n_head, head_dim).transpose(0, 1) for part in ("query", "key", "value")
        )
        scores = (q @ k.transpose(1, 2)) / head_dim**0.5
        scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        mixed = (scores.softmax(-1) @ val).transpose(0, 1).reshape(n, n_head * head_dim)
        x = x + mixed @ w["out"].T
        x = x + torch.relu(rmsnorm(x) @ w["up"].T) @ w["down"].T
        logits = rmsnorm(x) @ w["head"].T
        return torch.nn.functional.cross_entropy(logits, torch.tensor(tokens[1 : n + 1]))

    def train_step(step: int) -> float:
        loss = loss_of(prog.names[step % len(prog.names)])
        loss.backward()
        lr = prog.learning_rate * (1 - step / prog.total_steps)
        b1, b2, eps = prog.beta1, prog.beta2, prog.eps
        with torch.no_grad():
            for p, mi, vi in zip(params, m, v):
                mi.mul_(b1).add_((1 - b1) * p.grad)
                vi.mul_(b2).add_((1 - b2) * p.grad**2)
                m_hat = mi / (1 - b1 ** (step + 1))
                v_hat = vi / (1 - b2 ** (step + 1))
                p -= lr * m_hat / (v_hat**0.5 + eps)
                p.grad = None
        return loss.item()

    return train_step


# --- graph size ----------------------------------------------------------------------------------


def graph_size(root: Any, parents: Callable[[Any], Any]) -> tuple[int, int]:
    """(nodes, edges) of the graph of ``root``; an edge is one entry of a node's inputs."""
    seen, stack, edges = {id(root)}, [root], 0
    while stack:
        inputs = parents(stack.pop())
        edges += len(inputs)
        for p in inputs:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen), edges


PARENTS: dict[str, Callable[[Any], Any]] = {
    "minimal": lambda v: v._children,
    "chainrule": lambda v: v.parents,
    "chainrule-idioms": lambda v: v.parents,
    "chainrule-replay": lambda v: v.parents,
}
# micrograd builds the minimal class's graph node for node (the same primitives, the same
# composites): it is not counted again, over names of its own.


# --- a measurement -------------------------------------------------------------------------------


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    prog = program(peer)
    step = torch_program(prog) if peer == "torch" else prog.train_step
    recorded: list[bool] = []
    if peer == "chainrule-replay":  # which steps recorded a new length (compile costs)
        train_step = step

        def step(k: int) -> Any:
            before = len(prog.loss_of_tokens)
            loss = train_step(k)
            recorded.append(len(prog.loss_of_tokens) > before)
            return loss

    durations, losses = timed(step, warmup=params["warmup"], steps=params["steps"])
    result: dict[str, Any] = {"durations": durations, "losses": losses, "recorded": recorded}
    if params.get("count") and peer in PARENTS:  # the measured steps' graphs, after the timing
        sizes = [
            graph_size(prog.loss_of(prog.names[k % len(prog.names)]), PARENTS[peer])
            for k in range(params["warmup"], params["warmup"] + params["steps"])
        ]
        result["nodes"] = sum(n for n, _ in sizes) / len(sizes)
        result["edges"] = sum(e for _, e in sizes) / len(sizes)
    return result


def _cell(code: str) -> str:
    """A line (or lines) of code for a table cell."""
    return "<br>".join(f"`{line.strip()}`" for line in code.split("\n") if line.strip()) or "(removed)"


def max_relative_difference(got: list[float], expected: list[float]) -> float:
    return max(abs(a - b) / abs(b) for a, b in zip(got, expected))


# --- the report ----------------------------------------------------------------------------------


def run(rounds: int = 5) -> Section:
    def params(peer: str, r: int) -> dict[str, Any]:
        if peer in ("minimal", "chainrule-replay"):
            warmup, steps = 0, REPLAY_STEPS
        elif peer in LONG:
            warmup, steps = WARMUP, REPLAY_STEPS - WARMUP
        else:
            warmup, steps = WARMUP, MICROGRAD_STEPS if peer == "micrograd" else STEPS
        return {"warmup": warmup, "steps": steps, "count": r == 0}

    results = interleaved("workload_m", PEERS, rounds, params)
    first_step = {peer: params(peer, 0)["warmup"] for peer in PEERS}  # minimal's index of it

    def mean_steps(peer: str, first: int = 0, n: int | None = None) -> list[float]:
        """``peer``'s mean time per step in each round, over ``n`` of its measured steps from
        the ``first``."""
        return [
            statistics.fmean(r["durations"][first : None if n is None else first + n]) for r in results[peer]
        ]

    times = {peer: mean_steps(peer) for peer in PEERS}
    reference = results["minimal"][0]["losses"]
    deviation = {peer: max_relative_difference(rs[0]["losses"], reference) for peer, rs in results.items()}
    speedup = {
        peer: paired_ratio(
            mean_steps("minimal", first_step[peer], len(results[peer][0]["durations"])), times[peer]
        )
        for peer in PEERS
    }
    replay = results["chainrule-replay"]
    recording = [
        statistics.fmean([d for d, new in zip(r["durations"], r["recorded"]) if new]) for r in replay
    ]
    replaying = [
        statistics.fmean([d for d, new in zip(r["durations"], r["recorded"]) if not new]) for r in replay
    ]
    n_recorded = sum(replay[0]["recorded"])
    first = {peer: rs[0] for peer, rs in results.items()}
    rows = [
        [
            peer,
            fmt_time(median(times[peer])),
            fmt_time(best(times[peer])),
            fmt_ratio(speedup[peer]),
            f"{first[peer]['nodes']:,.0f} / {first[peer]['edges']:,.0f}" if "nodes" in first[peer] else "-",
            f"{deviation[peer]:.1e}",
        ]
        for peer in PEERS
    ]
    n_steps, micrograd_last = WARMUP + STEPS, WARMUP + MICROGRAD_STEPS
    text = [
        "[`benchmarks/names_gpt.py`](benchmarks/names_gpt.py): a character-level transformer of first",
        "names (1990 US census, public domain; 4,192 parameters: 16-dim embeddings, 4 heads, one block,",
        "rmsnorm, block size 16) written as today's single-file scalar trainers are, with its own",
        "~45-line `Value` (local derivatives stored at forward time), `sum` over generators, a softmax",
        "shifted by a plain-float max, and Adam as plain loops. One step = forward + backward + Adam",
        "on one name. Each peer trains from step 1 in a fresh process and reports its mean time per",
        f"step over steps {WARMUP + 1}-{REPLAY_STEPS} (torch: {WARMUP + 1}-{n_steps}; micrograd, at seconds",
        f"a step: {WARMUP + 1}-{micrograd_last}; the replay peer: 1-{REPLAY_STEPS}, its recordings",
        "included): median (and best) over",
        f"{rounds} interleaved rounds; speed-up: median over rounds of the ratio to the minimal",
        f"class's time over the same steps within a round (it runs steps 1-{REPLAY_STEPS}).",
        "The garbage collector runs with Python's default",
        "settings. Nodes / edges: mean per step over the same",
        "names (leaves and constants included; an edge is one input of a node). Last column: the",
        "largest relative difference between the peer's losses and the minimal class's.",
        "",
        "- `minimal`: the program as written; `chainrule`: its class replaced by",
        "  `from autograd import Value`, nothing else changed;",
        "- `chainrule-idioms`: also the lines below rewritten (`dot` and `sum_values` for the sums,",
        "  `logsumexp` for the softmaxes and the cross-entropy, `nn.Adam`). Its losses differ from",
        "  the minimal class's in the last bits: `logsumexp` is not the same arithmetic as",
        "  `exp`/`sum`/`log`, so its last column is not 0 but a few ulp;",
        "- `chainrule-replay`: the idioms, plus the edits of the second table below: the loss of a",
        "  name becomes a function of its token ids traced with `autograd.trace` (recorded once per",
        "  length of name, replayed for the others), with `gather` for the embedding rows and the",
        "  targets;",
        "- `micrograd`: its class replaced by micrograd 0.1.0's `Value`, given the `exp` and `log`",
        "  it lacks in micrograd's own closure style (it builds the minimal class's graph, node for",
        "  node);",
        "- `torch`: the same model with float64 tensors (tensor style: the whole name as one",
        "  sequence, causal attention at once), the same plain-loop Adam, one thread.",
        "",
        *table(
            ["peer", "time / step", "best round", "speed-up vs minimal", "nodes / edges a step", "loss diff"],
            rows,
        ),
        "",
        "The idioms (every other line of the program is unchanged):",
        "",
        *table(
            ["line as written", "in chainrule's idioms", "why"],
            [
                ["the class `Value`", f"`{IDIOMS_IMPORT}`", "the idioms"],
                *[[f"`{old}`", f"`{new}`", why] for old, new, why in IDIOMS],
            ],
        ),
        "",
        f"The replay peer's edits, after the idioms (the class `Value` becomes `{REPLAY_IMPORT}`):",
        "",
        *table(
            ["line as written (after the idioms)", "with replay", "why"],
            [[_cell(old), _cell(new), why] for old, new, why in REPLAY],
        ),
        "",
        f"Replay's compile cost: {n_recorded} of its {REPLAY_STEPS} steps recorded a new length (the",
        "graph built once, watched for reads of `.data`, and kept as a `Tape`):",
        f"{fmt_time(median(recording))} a step for those (median over rounds), "
        f"{fmt_time(median(replaying))} for the steps that replayed.",
    ]
    drop_in, idioms, replayed = speedup["chainrule"], speedup["chainrule-idioms"], speedup["chainrule-replay"]
    same = deviation["chainrule"]
    targets = [
        Target(
            "M drop-in",
            ">= 1.5x the program's own minimal class (one import changed, GC untouched)",
            fmt_ratio(drop_in),
            drop_in >= 1.5,
        ),
        Target(
            "M idioms",
            ">= 15x the minimal class (`dot` / `sum_values` / `logsumexp`, `nn.Adam`)",
            fmt_ratio(idioms),
            idioms >= 15,
        ),
        Target(
            "M replay",
            f">= 25x the minimal class with replay, recordings included over {REPLAY_STEPS} steps",
            fmt_ratio(replayed),
            replayed >= 25,
        ),
        Target(
            "M losses",
            "drop-in's losses equal the minimal class's within 1e-12 (relative)",
            f"max diff {same:.1e}",
            same <= 1e-12,
        ),
    ]
    return Section("Workload M: a single-file transformer trainer as its users write it", text, targets)


if __name__ == "__main__":
    child_main(measure, run)
