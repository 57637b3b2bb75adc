"""Workload "micrograd's demo as written": the notebook's own code, its two imports switched.

The program is :mod:`benchmarks.micrograd_demo` (micrograd's ``demo.ipynb`` as a script:
``Value``-wrapped inputs, Python ``sum`` over the losses and over 337 squared parameters, the
SGD loop, numpy and matplotlib imported -- scikit-learn too where it is installed). Peers:

* ``micrograd``: the program as written;
* ``chainrule``: its two import lines switched to ``from autograd import Value`` and
  ``from nn import MLP`` (chainrule's ``MLP`` draws the same U(-1, 1) weights from the same
  global ``random``, so both start from the same network).

Unlike workload A, nothing is rewritten for chainrule: this is what a micrograd user who
switches the imports gets.

Run: ``python -m benchmarks.demo_as_written``.
"""

from __future__ import annotations

import importlib.util
import statistics
import types
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
from benchmarks.variants import apply_edits, load

PROGRAM = ROOT / "benchmarks" / "micrograd_demo.py"
PEERS = ["micrograd", "chainrule"]
WARMUP = 1
STEPS = {"micrograd": 3, "chainrule": 12}
SWITCH = [
    ("from micrograd.engine import Value", "from autograd import Value"),
    ("from micrograd.nn import MLP", "from nn import MLP"),
]


def source(peer: str) -> str:
    text = PROGRAM.read_text()
    if peer == "micrograd":
        return text
    if peer == "chainrule":
        return apply_edits(text, SWITCH)
    raise ValueError(f"unknown peer {peer!r}; known: {', '.join(PEERS)}")


def program(peer: str) -> types.ModuleType:
    return load(source(peer), f"micrograd_demo_{peer}", PROGRAM)


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    prog = program(peer)
    durations, losses = timed(prog.train_step, warmup=params["warmup"], steps=params["steps"])
    return {"durations": durations, "losses": losses}


def run(rounds: int = 3) -> Section:
    results = interleaved(
        "demo_as_written", PEERS, rounds, lambda peer, r: {"warmup": WARMUP, "steps": STEPS[peer]}
    )
    n = STEPS["micrograd"]  # compare the peers over the steps both ran

    def mean_steps(peer: str, steps: int | None = None) -> list[float]:
        return [statistics.fmean(r["durations"][:steps]) for r in results[peer]]

    times = {peer: mean_steps(peer) for peer in PEERS}
    ratio = paired_ratio(mean_steps("micrograd"), mean_steps("chainrule", n))
    expected, got = results["micrograd"][0]["losses"], results["chainrule"][0]["losses"]
    deviation = max(abs(a - b) / abs(b) for a, b in zip(got, expected))
    sklearn = (
        "scikit-learn" if importlib.util.find_spec("sklearn") else "numpy (scikit-learn is not installed)"
    )
    rows = [
        [
            peer,
            fmt_time(median(times[peer])),
            fmt_time(best(times[peer])),
            fmt_ratio(paired_ratio(mean_steps("micrograd"), mean_steps(peer, n))),
        ]
        for peer in PEERS
    ]
    text = [
        "[`benchmarks/micrograd_demo.py`](benchmarks/micrograd_demo.py): micrograd's demo notebook as",
        "its users run it: `Value`-wrapped inputs (numpy floats), Python `sum` over the 100 losses and",
        "over the 337 squared parameters (the L2 term), `model.zero_grad()` and the SGD loop, with",
        f"numpy and matplotlib imported, a scatter plot drawn, and the moons made by {sklearn}.",
        "`chainrule`: the same text with its two micrograd imports switched to",
        "`from autograd import Value` and `from nn import MLP`; nothing else changed. A step is",
        "forward + backward + SGD; each peer trains from step 1 in a fresh process and reports its",
        f"mean time per step over steps {WARMUP + 1}-{WARMUP + STEPS['micrograd']} (chainrule: "
        f"{WARMUP + 1}-{WARMUP + STEPS['chainrule']}); median (and",
        f"best) over {rounds} interleaved rounds. Speed-up: median over rounds of the ratio within a",
        f"round, over the steps both ran ({WARMUP + 1}-{WARMUP + n}). The garbage collector runs with",
        "Python's default settings. Largest relative difference between the two peers' losses:",
        f"{deviation:.1e}.",
        "",
        *table(["peer", "time / step", "best round", "speed-up vs micrograd"], rows),
    ]
    targets = [
        Target(
            "Demo as written",
            ">= 15x micrograd per step (micrograd's notebook, imports switched)",
            fmt_ratio(ratio),
            ratio >= 15,
        )
    ]
    return Section("micrograd's demo as written (its notebook's code, imports switched)", text, targets)


if __name__ == "__main__":
    child_main(measure, run)
