"""Run every benchmark and write ``BENCHMARKS.md`` at the repository root (``make bench``).

Each workload measures all of its peers in the same run (fresh processes, interleaved rounds;
see :mod:`benchmarks.harness`), so every ratio in the report compares numbers taken side by
side on the same machine at the same time. Takes a few minutes, most of it micrograd.

Run: ``python -m benchmarks.run_all [--output PATH]``.
"""

from __future__ import annotations

import argparse
import subprocess
import time

from benchmarks import (
    demo_as_written,
    depth,
    loop,
    memory,
    profile_step,
    scaling,
    workload_a,
    workload_b,
    workload_m,
    workload_s,
)
from benchmarks.harness import ROOT, Section, machine, progress, table

SECTIONS = [
    workload_a,
    demo_as_written,
    workload_m,
    workload_s,
    workload_b,
    loop,
    memory,
    depth,
    scaling,
    profile_step,
]


def commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def report(sections: list[Section], seconds: float) -> str:
    m = machine()
    targets = [t for s in sections for t in s.targets]
    met = sum(t.met for t in targets)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run_all`); the scripts are in",
        "[`benchmarks/`](benchmarks/), one per workload. Every ratio compares peers measured in this",
        "same run: each peer runs in a fresh process (one library per process, one thread each),",
        "and the peers take turns over interleaved rounds so that load on the machine hits them alike.",
        "",
        "## Machine",
        "",
        *table(
            ["date", "CPU", "cores", "OS", "Python", "numpy", "torch", "micrograd", "chainrule"],
            [
                [
                    m["date"],
                    m["cpu"],
                    m["cores"],
                    m["os"],
                    m["python"],
                    m["numpy"],
                    m["torch"],
                    m["micrograd"],
                    f"git {commit()}",
                ]
            ],
        ),
        "",
        f"## Targets: {met} of {len(targets)} met",
        "",
        *table(
            ["target", "goal", "measured", "met"],
            [[t.name, t.goal, t.measured, "yes" if t.met else "**no**"] for t in targets],
        ),
        "",
        *[s.markdown() for s in sections],
        f"_Total benchmark time: {seconds / 60:.1f} minutes._",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"), help="where to write the report")
    args = parser.parse_args()
    start = time.perf_counter()
    sections = []
    for module in SECTIONS:
        progress(f"{module.__name__} ...")
        sections.append(module.run())
    text = report(sections, time.perf_counter() - start)
    with open(args.output, "w") as f:
        f.write(text)
    progress(f"wrote {args.output}")
    for s in sections:
        for t in s.targets:
            print(f"{'met    ' if t.met else 'NOT MET'} {t.name}: {t.goal}; measured {t.measured}")


if __name__ == "__main__":
    main()
