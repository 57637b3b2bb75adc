"""Refuse to run beside another distribution's ``autograd`` package, with a clear message.

PyPI's ``autograd`` (HIPS autograd, a dependency of several scientific packages) installs a
top-level package with the same name as chainrule's. Only one of the two can be imported: the
other is silently hidden, and when both are installed into the same ``site-packages`` pip
mixes their files in one ``autograd/`` folder (uninstalling either then breaks the other).
Importing this module (the first line of ``autograd/__init__.py``) looks for such a
distribution on ``sys.path`` and raises an ``ImportError`` that names it and the remedy.

The check is a directory listing of the ``sys.path`` folders that hold an ``autograd``
package (well under a millisecond); :mod:`importlib.metadata` (tens of milliseconds to
import) is used only to word the message. ``nn`` checks the reverse case, where the other
``autograd`` wins and this code never runs (see ``nn/_autograd_check.py``).

Example:
    >>> other_autograd_distributions([]) == []
    True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

__all__ = ["OtherAutograd", "other_autograd_distributions", "clash_message", "check"]

_OUR_PACKAGE = os.path.dirname(os.path.realpath(__file__))
# The distribution that owns a top-level "autograd" package on PyPI (HIPS autograd). pip writes
# its metadata as "autograd-<version>.dist-info"; older tools as ".egg-info".
_DIST_PREFIX = "autograd-"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


class OtherAutograd:
    """Another distribution named ``autograd``: its metadata folder and where its package lives."""

    def __init__(self, metadata_dir: str) -> None:
        self.metadata_dir = metadata_dir
        self.site_dir = os.path.dirname(metadata_dir)

    @property
    def mixed_with_ours(self) -> bool:
        """True when it was installed into the folder that holds chainrule's ``autograd``."""
        return os.path.realpath(os.path.join(self.site_dir, "autograd")) == _OUR_PACKAGE

    def describe(self) -> str:
        """``autograd 1.9.1 (Efficiently computes derivatives of NumPy code.)``, from its metadata."""
        from importlib.metadata import PathDistribution
        from pathlib import Path

        metadata = PathDistribution(Path(self.metadata_dir)).metadata
        name = metadata["Name"] or "autograd"
        version = metadata["Version"] or "(unknown version)"
        summary = metadata["Summary"]
        return f"{name} {version}" + (f" ({summary.strip()})" if summary else "")


def other_autograd_distributions(path: Iterable[str] | None = None) -> list[OtherAutograd]:
    """Every distribution named ``autograd`` installed in a folder of ``path`` (``sys.path``).

    Only folders that hold an ``autograd`` package are listed, so the check stays cheap.
    """
    found = []
    for entry in sys.path if path is None else path:
        folder = entry or os.curdir
        if not os.path.isdir(os.path.join(folder, "autograd")):
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.lower().startswith(_DIST_PREFIX) and name.endswith(_METADATA_SUFFIXES):
                found.append(OtherAutograd(os.path.join(folder, name)))
    return found


def _install_hint() -> str:
    """How to install chainrule into a fresh environment, with the project's own URL if known."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        urls = metadata("chainrule").get_all("Project-URL") or []
    except (ImportError, PackageNotFoundError):
        urls = []
    repository = next((url.split(",", 1)[1].strip() for url in urls if url.startswith("Repository")), None)
    source = f'"chainrule @ git+{repository}"' if repository else '-e "/path/to/your/chainrule/clone"'
    return (
        "python -m venv chainrule-env && chainrule-env/bin/python -m pip install "
        f"{source} (on Windows: chainrule-env\\Scripts\\python)"
    )


def clash_message(others: list[OtherAutograd]) -> str:
    """The ``ImportError`` text: what clashes, where, why it matters, and the remedy."""
    lines = [
        "chainrule's 'autograd' package cannot be used here: another distribution also installs a "
        "top-level package named 'autograd', so one of the two hides the other."
    ]
    for other in others:
        lines.append(f"  - {other.describe()}, installed in {other.site_dir}")
        if other.mixed_with_ours:
            lines.append(
                "    pip has mixed its files with chainrule's in one folder, "
                f"{os.path.join(other.site_dir, 'autograd')}; uninstalling either one now breaks the other."
            )
    lines.append(
        "This is PyPI's 'autograd' (HIPS autograd) or a copy of it; it cannot share an environment "
        "with chainrule. Remedy: install chainrule into a fresh virtual environment, e.g.\n  "
        + _install_hint()
    )
    return "\n".join(lines)


def check() -> None:
    """Raise ``ImportError`` (see :func:`clash_message`) if another ``autograd`` is installed."""
    others = other_autograd_distributions()
    if others:
        raise ImportError(clash_message(others))


check()
