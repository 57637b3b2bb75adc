"""Depth: backward through a chain of up to a million nodes, and its time against depth.

The chain is ``y = y * w`` repeated ``n`` times (``w`` one leaf used by every node), so the
graph is ``n`` nodes deep. A recursive topological sort (micrograd's) stops at Python's
recursion limit; chainrule's is an explicit stack, and its time should grow linearly with the
depth: the time per node stays flat down the table.

Run: ``python -m benchmarks.depth``.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Section, Target, child_main, fmt_time, interleaved, table

DEPTHS = [10_000, 100_000, 300_000, 1_000_000]
MICROGRAD_DEPTH = 2_000


def chain(value_type: Any, n: int) -> tuple[Any, Any, Any]:
    x, w = value_type(1.0), value_type(1.0)
    y = x
    for _ in range(n):
        y = y * w
    return x, w, y


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    n = params["n"]
    if peer == "micrograd":
        from micrograd.engine import Value as MicrogradValue

        _, _, y = chain(MicrogradValue, n)
        try:
            y.backward()
        except RecursionError:
            return {"n": n, "error": "RecursionError"}
        return {"n": n, "error": ""}
    from autograd import Value

    start = time.perf_counter()
    x, w, y = chain(Value, n)
    built = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    backward = time.perf_counter() - start
    return {"n": n, "build": built, "backward": backward, "x_grad": x.grad, "w_grad": w.grad, "error": ""}


def run(rounds: int = 1) -> Section:
    rows = []
    per_node = []
    correct = True
    for n in DEPTHS:
        r = interleaved("depth", ["chainrule"], 1, lambda peer, _r, n=n: {"n": n})["chainrule"][0]
        per_node.append(r["backward"] / n)
        correct = correct and r["x_grad"] == 1.0 and r["w_grad"] == float(n)
        rows.append(
            [f"{n:,}", fmt_time(r["build"]), fmt_time(r["backward"]), f"{r['backward'] / n * 1e9:.0f} ns"]
        )
    micrograd = interleaved("depth", ["micrograd"], 1, lambda peer, _r: {"n": MICROGRAD_DEPTH})["micrograd"][
        0
    ]
    spread = max(per_node) / min(per_node)
    text = [
        "`y = y * w` repeated n times, then `y.backward()` (x.grad = 1 and w.grad = n, checked).",
        "",
        *table(["depth n", "build", "backward", "backward per node"], rows),
        "",
        f"The backward time per node varies by {spread:.1f}x over a 100x range of depths: linear time.",
        f"micrograd at depth {MICROGRAD_DEPTH:,}: {micrograd['error'] or 'no error'}.",
    ]
    ok = correct and spread <= 2.0
    target = Target(
        "Depth",
        "backward through 10^6 nodes, time linear in depth",
        f"10^6 nodes in {fmt_time(per_node[-1] * DEPTHS[-1])}; per-node time within {spread:.1f}x",
        ok,
    )
    return Section("Depth: a chain of a million nodes", text, [target])


if __name__ == "__main__":
    child_main(measure, run)
