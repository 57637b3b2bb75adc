"""Make sure ``import autograd`` gives chainrule's engine before ``nn`` uses it.

When another distribution's ``autograd`` (PyPI's HIPS autograd) is found first on ``sys.path``,
or has overwritten chainrule's ``autograd/__init__.py``, chainrule's own check in
``autograd/_install_check.py`` never runs and ``from autograd import Value`` would fail with a
bare "cannot import name". This module raises an ``ImportError`` that says what happened and
what to do instead. It also catches the state left behind when uninstalling the other package
deleted files that both packages had written (``autograd/__init__.py``).

Example:
    >>> import autograd
    >>> is_chainrule_autograd(autograd)
    True
"""

from __future__ import annotations

from types import ModuleType

import autograd

__all__ = ["is_chainrule_autograd", "check"]

_REMEDY = (
    "Remedy: install chainrule into a fresh virtual environment (python -m venv chainrule-env, "
    "then chainrule-env/bin/python -m pip install chainrule from its clone or its git URL; "
    "see the README, section Installing)."
)


def is_chainrule_autograd(module: ModuleType) -> bool:
    """True if ``module`` is chainrule's ``autograd`` (it defines ``Value``, ``Tape`` and ``OPS``)."""
    return all(hasattr(module, name) for name in ("Value", "Tape", "OPS"))


def _owners_of_autograd() -> list[str]:
    """``["autograd 1.9.1", ...]``: the installed distributions, other than chainrule, that ship it."""
    from importlib.metadata import packages_distributions, version

    names = sorted(set(packages_distributions().get("autograd", [])) - {"chainrule"})
    return [f"{name} {version(name)}" for name in names]


def check() -> None:
    """Raise ``ImportError`` unless ``autograd`` is chainrule's, naming what it is instead."""
    if is_chainrule_autograd(autograd):
        return
    location = getattr(autograd, "__file__", None)
    owners = ", ".join(_owners_of_autograd()) or "another package named 'autograd'"
    if location is None:  # a folder without __init__.py: a namespace package
        folders = ", ".join(getattr(autograd, "__path__", [])) or "(unknown)"
        raise ImportError(
            f"chainrule's 'autograd' package is damaged: {folders} has no __init__.py (uninstalling "
            "another distribution that shared the folder, such as PyPI's 'autograd', deletes it). " + _REMEDY
        )
    raise ImportError(
        f"'import autograd' found {location}, which is not chainrule's autograd engine: it belongs "
        f"to {owners} (PyPI's 'autograd' is HIPS autograd, a different project with the same "
        "package name). chainrule's nn needs its own autograd, and the two cannot share an "
        "environment. " + _REMEDY
    )


check()
