"""chainrule beside PyPI's ``autograd`` (HIPS autograd): a clear ImportError, never a silent clash.

Both distributions install a top-level package named ``autograd``. Each test makes a scratch
virtual environment, installs chainrule (a wheel built from this checkout, not editable) and
HIPS autograd in one order or the other, and checks what a user sees. Installs use
``--no-deps``; numpy and graphviz, which both import, are this interpreter's own, linked into a
folder that each scratch environment reads through a ``.pth`` file (same Python, so the same
compiled numpy works). The module takes well under a minute.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HIPS_AUTOGRAD = "autograd==1.9.1"  # the release current when this test was written
DEPS = ("numpy", "graphviz")  # what both packages import


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    # Without PYTHONPATH: pip must not take this checkout (or its .egg-info) for an installed chainrule.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, cwd=tempfile.gettempdir()
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """chainrule's wheel built from this checkout, HIPS autograd's from PyPI, and the shared deps."""
    folder = tmp_path_factory.mktemp("wheels")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(ROOT))
    _pip("download", "--no-deps", "-d", str(folder), HIPS_AUTOGRAD)
    deps = folder / "deps"
    deps.mkdir()
    for name in DEPS:
        package = Path(importlib.import_module(name).__file__).parent
        for path in (package, package.with_name(f"{name}.libs")):  # numpy's wheels vendor .libs
            if path.exists():
                (deps / path.name).symlink_to(path, target_is_directory=True)
    return {
        "chainrule": next(folder.glob("chainrule-*.whl")),
        "autograd": next(folder.glob("autograd-*.whl")),
        "deps": deps,
    }


class ScratchEnv:
    """A fresh virtual environment that sees the shared deps; pip is driven from outside it."""

    def __init__(self, folder: Path, deps: Path) -> None:
        venv.create(folder, with_pip=False)
        self.folder = folder
        bin_dir = folder / ("Scripts" if sys.platform == "win32" else "bin")
        self.python = str(bin_dir / "python")
        site = subprocess.run(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (Path(site) / "scratch_deps.pth").write_text(f"{deps}\n")

    def pip(self, *args: str) -> None:
        _pip("--python", self.python, *args)

    def run(self, code: str) -> subprocess.CompletedProcess[str]:
        # -I: isolated mode, so neither this checkout nor PYTHONPATH is on sys.path.
        return subprocess.run(
            [self.python, "-I", "-c", code], capture_output=True, text=True, timeout=120, cwd=self.folder
        )


def _error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, f"expected an ImportError, got output:\n{result.stdout}"
    last = result.stderr.strip().splitlines()
    assert any(line.startswith("ImportError: ") for line in last), result.stderr
    return result.stderr


def test_hips_autograd_installed_after_chainrule(tmp_path, wheels):
    env = ScratchEnv(tmp_path / "env", wheels["deps"])
    env.pip("install", "--no-deps", str(wheels["chainrule"]))
    alone = env.run("import autograd, nn; print((autograd.Value(2.0) * 3).data)")
    assert alone.returncode == 0 and alone.stdout.strip() == "6.0", alone.stderr

    # HIPS in a folder of its own that comes first on sys.path hides ours entirely: nn says so.
    hips_first = tmp_path / "hips-first"
    _pip("install", "--no-deps", "--target", str(hips_first), str(wheels["autograd"]))
    message = _error(env.run(f"import sys; sys.path.insert(0, {str(hips_first)!r}); import nn"))
    assert f"'import autograd' found {hips_first / 'autograd' / '__init__.py'}" in message
    assert "belongs to autograd 1.9.1" in message and "fresh virtual environment" in message
    env.pip("install", "--no-deps", str(wheels["autograd"]))

    # HIPS's __init__.py replaced ours: `import autograd` is HIPS's, and nn says so.
    message = _error(env.run("import nn"))
    assert "'import autograd' found" in message
    assert "belongs to autograd 1.9.1" in message
    assert "HIPS autograd" in message and "fresh virtual environment" in message
    # `python -m autograd` runs our __main__, which reaches our check (our files are still there).
    message = _error(env.run("import runpy; runpy.run_module('autograd', run_name='__main__')"))
    assert "autograd 1.9.1 (Efficiently computes derivatives of NumPy code" in message
    assert "pip has mixed its files with chainrule's" in message


def test_chainrule_installed_after_hips_autograd(tmp_path, wheels):
    env = ScratchEnv(tmp_path / "env", wheels["deps"])
    env.pip("install", "--no-deps", str(wheels["autograd"]))
    env.pip("install", "--no-deps", str(wheels["chainrule"]))

    # Our __init__.py replaced HIPS's: our check runs and names the other distribution.
    for statement in ("import autograd", "from autograd import Value", "import nn"):
        message = _error(env.run(statement))
        assert "another distribution also installs a top-level package named 'autograd'" in message
        assert "autograd 1.9.1 (Efficiently computes derivatives of NumPy code" in message
        assert "pip has mixed its files with chainrule's in one folder" in message
        assert "Remedy: install chainrule into a fresh virtual environment" in message

    # Uninstalling HIPS deletes the __init__.py both had written: nn says chainrule is damaged.
    env.pip("uninstall", "-y", "autograd")
    message = _error(env.run("import nn"))
    assert "chainrule's 'autograd' package is damaged" in message and "no __init__.py" in message
