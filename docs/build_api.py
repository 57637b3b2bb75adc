"""Write docs/api.md, the API reference, from the code: signatures and docstrings, nothing by hand.

For each package (``autograd``, ``nn``, ``nn.tutorials``) and each public submodule that declares
``__all__``, the page gives the module's one-line summary, then every public name with its
signature and the first paragraph of its docstring; a class also lists its own public methods
and properties. A package's re-exports are documented once, under their submodule.

    python docs/build_api.py            # rewrite docs/api.md
    python docs/build_api.py --check    # exit 1 if docs/api.md is stale
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "api.md"
PACKAGES = ["autograd", "nn", "nn.tutorials"]
HEADER = "# API reference\n\nGenerated from the code by `python docs/build_api.py`; do not edit by hand.\n"


class _Shown:
    """A stand-in default whose repr is a readable name instead of ``<... at 0x7f...>``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def short_repr(value: Any, limit: int = 60) -> Any:
    """``value`` if its repr is short and the same in every run, else a stand-in with a readable repr."""
    if isinstance(value, (set, frozenset)):  # element order depends on the hash seed
        value = _Shown("{" + ", ".join(sorted(map(repr, value))) + "}")
    text = repr(value)
    if len(text) <= limit and " at 0x" not in text:
        return value
    if hasattr(value, "__qualname__"):
        return _Shown(value.__qualname__)
    if isinstance(value, str):
        return _Shown(repr(value[: limit // 2] + "..."))
    size = f" of {len(value)}" if hasattr(value, "__len__") else ""
    return _Shown(f"<{type(value).__name__}{size}>")


def signature(obj: Any) -> str:
    """``obj``'s call signature with deterministic defaults, or ``""`` if Python cannot tell."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    params = []
    for p in sig.parameters.values():
        default = p.empty if p.default is p.empty else short_repr(p.default)
        params.append(p.replace(default=default, annotation=unquoted(p.annotation)))
    return str(sig.replace(parameters=params, return_annotation=unquoted(sig.return_annotation)))


def unquoted(annotation: Any) -> Any:
    """A string annotation (``from __future__ import annotations``) shown as code, not as a repr."""
    return _Shown(annotation) if isinstance(annotation, str) else annotation


def first_paragraph(obj: Any) -> str:
    return (inspect.getdoc(obj) or "").split("\n\n")[0].strip()


def paragraph(obj: Any) -> list[str]:
    """The docstring's first paragraph and a blank line, or nothing for an undocumented name."""
    text = first_paragraph(obj)
    return [text, ""] if text else []


def first_line(obj: Any) -> str:
    return (first_paragraph(obj).splitlines() or [""])[0]


def public_modules(package: ModuleType) -> list[ModuleType]:
    """The package's public submodules (no leading ``_``) that declare ``__all__``, by name."""
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    modules = [importlib.import_module(f"{package.__name__}.{name}") for name in names]
    return [m for m in modules if hasattr(m, "__all__") and not hasattr(m, "__path__")]


def bullet(label: str, obj: Any) -> str:
    """A list item: ``label`` and the first line of ``obj``'s docstring, if it has one."""
    summary = first_line(obj)
    return f"- {label}: {summary}" if summary else f"- {label}"


def own_constructor(cls: type) -> bool:
    """Whether ``cls`` gets ``__init__`` from chainrule (not from a base in another library)."""
    init = inspect.getattr_static(cls, "__init__")
    if init is object.__init__:
        init = inspect.getattr_static(cls, "__new__")
    return (getattr(init, "__module__", None) or "nn").split(".")[0] in ("autograd", "nn")


def describe_class(name: str, cls: type) -> list[str]:
    bases = [b.__name__ for b in cls.__bases__ if b is not object]
    header = f"class {name}{signature(cls).removesuffix(' -> None') if own_constructor(cls) else ''}"
    lines = ["```python", header + (f"  # bases: {', '.join(bases)}" if bases else ""), "```", ""]
    lines += paragraph(cls)
    for attr, member in vars(cls).items():
        if attr.startswith("_"):
            continue
        if isinstance(member, property):
            lines.append(bullet(f"property `{attr}`", member))
        elif inspect.isroutine(member) or isinstance(member, (classmethod, staticmethod)):
            bound = getattr(cls, attr)
            lines.append(bullet(f"`{attr}{signature(bound)}`", bound))
    return lines + ([""] if lines[-1] else [])


def describe(name: str, obj: Any) -> list[str]:
    """Markdown for one public name: signature block and docstring's first paragraph."""
    lines = [f"#### `{name}`", ""]
    if inspect.isclass(obj):
        return lines + describe_class(name, obj)
    if inspect.isroutine(obj):
        return lines + ["```python", f"def {name}{signature(obj)}", "```", ""] + paragraph(obj)
    return lines + ["```python", f"{name} = {short_repr(obj, limit=90)!r}", "```", ""]


def render() -> str:
    """The whole page, as ``docs/api.md`` should read."""
    out = [HEADER]
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        modules = public_modules(package)
        home = {(n, id(getattr(m, n))): m.__name__ for m in modules for n in m.__all__}
        out += [f"## `{package_name}`", "", first_line(package), ""]
        for name in package.__all__:
            obj = getattr(package, name)
            if (name, id(obj)) in home:
                out.append(f"- `{name}`: see `{home[name, id(obj)]}`")
        out.append("")
        for name in package.__all__:
            if (name, id(getattr(package, name))) not in home:
                out += describe(name, getattr(package, name))
        for module in modules:
            out += [f"### `{module.__name__}`", "", first_line(module), ""]
            for name in module.__all__:
                out += describe(name, getattr(module, name))
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if PAGE.exists() and PAGE.read_text(encoding="utf-8") == page:
            return 0
        print(f"{PAGE} is stale: run python docs/build_api.py", file=sys.stderr)
        return 1
    PAGE.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
