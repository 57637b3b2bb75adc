"""Build the notebooks in this folder from their text sources in ``src/``.

Each ``src/NAME.py`` is a script in the "percent" format (as used by Jupytext, VS Code and
Spyder): ``# %%`` starts a code cell, ``# %% [markdown]`` starts a Markdown cell whose lines
are comments. The script is the file to edit and review; ``NAME.ipynb`` is generated from it,
without outputs, with cell ids numbered in order so that a rebuild gives the same bytes.

    python notebooks/build_notebooks.py           # rewrite every NAME.ipynb
    python notebooks/build_notebooks.py --check   # exit 1 if any NAME.ipynb is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

__all__ = ["HERE", "SOURCES", "parse_cells", "build", "main"]

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
_KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def parse_cells(text: str) -> list[tuple[str, str]]:
    """Split a percent-format script into ``(kind, source)`` pairs, kind "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"text before the first '# %%' cell marker: {line!r}")
    parsed = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [_uncomment(line) for line in lines]
        source = "\n".join(lines).strip("\n")
        if source:
            parsed.append((kind, source))
    return parsed


def _uncomment(line: str) -> str:
    if line in ("#", ""):
        return ""
    if not line.startswith("# "):
        raise ValueError(f"a Markdown cell line must start with '# ': {line!r}")
    return line[2:]


def build(source: Path) -> str:
    """The notebook JSON for one percent-format script."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": _KERNEL, "language_info": {"name": "python"}}
    for i, (kind, text) in enumerate(parse_cells(source.read_text())):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(text, id=f"cell-{i:02d}"))
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for source in sorted(SOURCES.glob("*.py")):
        target = HERE / f"{source.stem}.ipynb"
        text = build(source)
        if target.exists() and target.read_text() == text:
            continue
        stale.append(target.name)
        if not check:
            target.write_text(text)
    verb = "stale" if check else "rebuilt"
    print(f"{verb}: {', '.join(stale)}" if stale else "all notebooks up to date")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
