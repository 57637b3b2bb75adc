"""Run a user's program as written, or with a few named lines changed, as a fresh module.

The programs of workload M and of "micrograd's demo as written" are ordinary files. A peer is
that file's text with an exact list of edits applied -- its ``Value`` class replaced by one
import, or a handful of lines rewritten in chainrule's idioms -- so what is benchmarked is
literally the user's code with the stated change, and nothing else.

Example:
    >>> text = "import math\\n\\nclass Value:\\n    pass\\n\\nx = Value()\\n"
    >>> print(replace_class(text, "Value", "from fractions import Fraction as Value"))
    import math
    <BLANKLINE>
    from fractions import Fraction as Value
    <BLANKLINE>
    x = Value()
    <BLANKLINE>
    >>> apply_edits("a = 1\\nb = 2\\n", [("b = 2", "b = 3")])
    'a = 1\\nb = 3\\n'
"""

from __future__ import annotations

import ast
import types
from collections.abc import Sequence
from pathlib import Path

__all__ = ["replace_class", "apply_edits", "load"]


def replace_class(source: str, name: str, replacement: str) -> str:
    """``source`` with the top-level ``class name`` (its whole body) replaced by ``replacement``."""
    tree = ast.parse(source)
    found = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name]
    if len(found) != 1:
        raise ValueError(f"expected one top-level class {name!r}, found {len(found)}")
    node = found[0]
    assert node.end_lineno is not None
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = source.splitlines(keepends=True)
    return "".join([*lines[: first - 1], replacement.rstrip("\n") + "\n", *lines[node.end_lineno :]])


def apply_edits(source: str, edits: Sequence[tuple[str, str]]) -> str:
    """``source`` with each ``(old, new)`` applied; every ``old`` must occur exactly once."""
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"edit expects {old!r} exactly once in the program, found it {count} times")
        source = source.replace(old, new)
    return source


def load(source: str, name: str, path: Path) -> types.ModuleType:
    """Execute ``source`` as a new module called ``name`` whose ``__file__`` is ``path``."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(source, f"{path.name} ({name})", "exec"), module.__dict__)
    return module
