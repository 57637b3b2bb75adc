"""Where a training step's time goes: workload A's scalar step under pyinstrument.

The profile shows the engine's three phases -- building the graph (``dot`` and ``relu``
nodes), sorting it (``topological_order``) and the backward pass (``_backpropagate``: the
rules' ``vjp`` calls and the accumulation into each parent's ``grad``) -- so a change to the
engine can be judged by where it moves time, not only by the total.

Run: ``python -m benchmarks.profile_step [chainrule|chainrule-batched]``.
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.harness import Section, child_main, interleaved

STEPS = 30


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    from pyinstrument import Profiler

    from benchmarks.workload_a import STEPS as MAKERS
    from benchmarks.workload_a import data, initial_weights

    X, y = data()
    step = MAKERS[peer](initial_weights(), X, y)
    step(0)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for k in range(1, params["steps"] + 1):
        step(k)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False, short_mode=True)
    return {"text": text}


def trimmed(text: str, depth: int = 7) -> list[str]:
    """The profile's lines down to ``depth`` levels of calls, without pyinstrument's banner."""
    lines = [line.removeprefix(".").rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip(" .")]
    start = next((i for i, line in enumerate(lines) if " step " in line and "workload_a" in line), 0)
    base = len(lines[start]) - len(lines[start].lstrip(" |`-"))
    kept = []
    for i, line in enumerate(lines[start:]):
        indent = len(line) - len(line.lstrip(" |`-"))
        if i and indent <= base:  # the step's subtree ends here
            break
        if (indent - base) // 3 <= depth:
            kept.append(line[base:])
    return kept


def run(rounds: int = 1) -> Section:
    result = interleaved("profile_step", ["chainrule"], 1, lambda peer, r: {"steps": STEPS})["chainrule"][0]
    text = [
        f"pyinstrument over {STEPS} scalar steps of workload A (seconds, cumulative). The step's",
        "time splits into building the graph (`dot`, `relu` nodes), `topological_order`, and",
        "`_backpropagate` (the rules' `vjp` and the accumulation into `grad`, its own time).",
        "",
        "```text",
        *trimmed(result["text"]),
        "```",
    ]
    return Section("Where the time goes (profile of workload A's scalar step)", text)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] != "--child":
        print("\n".join(trimmed(measure(sys.argv[1], {"steps": STEPS})["text"], depth=50)))
    else:
        child_main(measure, run)
