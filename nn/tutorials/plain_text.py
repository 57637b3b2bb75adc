"""Terminal text from the Markdown that the errata renderers write: aligned columns, no ``|`` or ``**``.

``docs/tutorial_errata.md`` and ``python -m nn`` print the same tables; the page keeps them as
Markdown, the terminal gets them through :func:`plain`.

Example:
    >>> print(plain("Results:\\n\\n| seed | loss |\\n| --- | --- |\\n| 0 | 0.25 |\\n| **mean** | 0.3 |"))
    Results:
    <BLANKLINE>
    seed  loss
    ----  ----
    0     0.25
    mean  0.3
"""

from __future__ import annotations

import re

__all__ = ["plain"]

_SEPARATOR_CELL = re.compile(r"^:?-+:?$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _columns(lines: list[str]) -> list[str]:
    """A Markdown table as left-aligned columns two spaces apart, the header underlined."""
    rows = [_cells(line) for line in lines]
    has_header = len(rows) > 1 and all(_SEPARATOR_CELL.match(cell) for cell in rows[1])
    body = rows[2:] if has_header else rows
    header = rows[0] if has_header else None
    table = ([header] if header else []) + body
    widths = [max(len(row[i]) for row in table if i < len(row)) for i in range(max(map(len, table)))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    if header:
        text.insert(1, "  ".join("-" * width for width in widths))
    return text


def plain(markdown: str) -> str:
    """``markdown`` with each table laid out in columns and ``**bold**`` markers removed."""
    out: list[str] = []
    table: list[str] = []
    for line in markdown.replace("**", "").splitlines():
        if line.startswith("|") and line.rstrip().endswith("|"):
            table.append(line)
            continue
        if table:
            out += _columns(table)
            table = []
        out.append(line)
    if table:
        out += _columns(table)
    return "\n".join(out)
