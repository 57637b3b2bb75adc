"""The loop around the graph: ``zero_grad``, optimizer steps and finding the parameters.

A training step is forward, backward, *and* the bookkeeping around them: resetting the
gradients, updating every parameter, handing the parameter list to the optimizer. For small
networks that bookkeeping can cost more than the replayed graph itself, so it is measured on
its own here, per parameter, for chainrule and for PyTorch (float64, one thread, its default
for-loop optimizers on the CPU) in the same run.

The models: MLP 2-4-1 (17 parameters; the tutorials' XOR net has this size) and MLP 2-16-16-1
(337, micrograd's demo). PyTorch holds them as the same ``Linear`` layers (4 and 6 tensors).
Each operation runs ``CALLS`` times in a row; the best of ``REPEATS`` such runs, per call.

Run: ``python -m benchmarks.loop``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Section, Target, child_main, interleaved, median, table

SIZES = [[4, 1], [16, 16, 1]]
PEERS = ["chainrule", "torch"]
OPERATIONS = [
    "model.zero_grad()",
    "optimizer.zero_grad()",
    "model.parameters()",
    "SGD step",
    "SGD momentum step",
    "Adam step",
]
CALLS = 200
REPEATS = 15
# The figure for today's code before this work: model.zero_grad() ~23 us on 17
# parameters (~1.4 us a parameter). Goal: a tight loop, an order of magnitude below that.
ZERO_GRAD_GOAL = 0.1  # us per parameter


def best_per_call(operation: Callable[[], Any]) -> float:
    """Seconds per call: the best of ``REPEATS`` runs of ``CALLS`` calls."""
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(CALLS):
            operation()
        runs.append((time.perf_counter() - start) / CALLS)
    return min(runs)


def chainrule_operations(sizes: list[int]) -> tuple[int, dict[str, Callable[[], Any]]]:
    from nn import MLP, SGD, Adam

    model = MLP(2, sizes, seed=0)
    params = model.parameters()
    for p in params:
        p.grad = 0.01
    plain, momentum, adam = SGD(params, lr=1e-3), SGD(params, lr=1e-3, momentum=0.9), Adam(params, lr=1e-3)
    return len(params), {
        "model.zero_grad()": model.zero_grad,
        "optimizer.zero_grad()": plain.zero_grad,
        "model.parameters()": model.parameters,
        "SGD step": plain.step,
        "SGD momentum step": momentum.step,
        "Adam step": adam.step,
    }


def torch_operations(sizes: list[int]) -> tuple[int, dict[str, Callable[[], Any]]]:
    import torch

    widths = [2, *sizes]
    layers: list[Any] = []
    for i in range(len(sizes)):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1], dtype=torch.float64))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    params = list(model.parameters())
    plain = torch.optim.SGD(params, lr=1e-3)
    momentum = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    adam = torch.optim.Adam(params, lr=1e-3)

    def with_grads(step: Callable[[], Any]) -> Callable[[], Any]:
        for p in params:
            p.grad = torch.full_like(p, 0.01)
        return step

    return sum(p.numel() for p in params), {
        "model.zero_grad()": model.zero_grad,
        "optimizer.zero_grad()": plain.zero_grad,
        "model.parameters()": lambda: list(model.parameters()),
        "SGD step": with_grads(plain.step),
        "SGD momentum step": with_grads(momentum.step),
        "Adam step": with_grads(adam.step),
    }


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    make = chainrule_operations if peer == "chainrule" else torch_operations
    count, operations = make(params["sizes"])
    # The steps first: PyTorch's zero_grad sets the gradients to None.
    order = [name for name in OPERATIONS if "zero_grad" not in name] + [
        n for n in OPERATIONS if "zero_grad" in n
    ]
    seconds = {name: best_per_call(operations[name]) for name in order}
    return {"parameters": count, "seconds": seconds}


def run(rounds: int = 3) -> Section:
    rows, targets = [], []
    for sizes in SIZES:
        results = interleaved("loop", PEERS, rounds, lambda peer, r, sizes=sizes: {"sizes": sizes})
        count = results["chainrule"][0]["parameters"]
        per_param = {
            peer: {op: median([r["seconds"][op] for r in rs]) / count * 1e6 for op in OPERATIONS}
            for peer, rs in results.items()
        }
        for op in OPERATIONS:
            ours, theirs = per_param["chainrule"][op], per_param["torch"][op]
            rows.append(
                [
                    f"2-{'-'.join(map(str, sizes))} ({count})",
                    op,
                    f"{ours:.3f}",
                    f"{ours * count:.1f}",
                    f"{theirs:.3f}",
                    f"{theirs * count:.1f}",
                    f"{ours / theirs:.2f}x",
                ]
            )
        zero_grad = per_param["chainrule"]["model.zero_grad()"]
        targets.append(
            Target(
                f"loop: zero_grad ({count} params)",
                f"model.zero_grad() <= {ZERO_GRAD_GOAL} us per parameter",
                f"{zero_grad:.3f} us per parameter",
                zero_grad <= ZERO_GRAD_GOAL,
            )
        )
    text = [
        "The bookkeeping of a training step, per parameter: resetting gradients, the optimizer's",
        "update, the parameter list. chainrule's parameters are scalars (one `Value` each); PyTorch's",
        "are a few tensors, so its cost per call is nearly flat and its cost *per parameter* falls as",
        f"the layers widen. Median over {rounds} rounds (fresh processes) of the best of {REPEATS}",
        f"runs of {CALLS} calls.",
        "",
        *table(
            [
                "model (params)",
                "operation",
                "chainrule us/param",
                "chainrule us/call",
                "torch us/param",
                "torch us/call",
                "chainrule / torch",
            ],
            rows,
        ),
    ]
    return Section("The loop around the graph: zero_grad and optimizer steps", text, targets)


if __name__ == "__main__":
    child_main(measure, run)
