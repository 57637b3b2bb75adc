"""docs/api.md cannot drift from the code: it must be exactly what docs/build_api.py renders now."""

import difflib
import importlib.util
import re
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "build_api.py"


def load_builder():
    spec = importlib.util.spec_from_file_location("build_api", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_api = load_builder()
PAGE = build_api.PAGE.read_text(encoding="utf-8")


def test_the_page_is_what_the_script_renders_now():
    fresh = build_api.render()
    lines = difflib.unified_diff(PAGE.splitlines(True), fresh.splitlines(True), "docs/api.md", "fresh")
    diff = "".join(lines)
    assert fresh == PAGE, f"docs/api.md is stale; run: python docs/build_api.py\n{diff[:3000]}"


@pytest.mark.parametrize("package", [autograd, nn], ids=lambda p: p.__name__)
def test_every_public_name_is_documented(package):
    documented = set(re.findall(r"^#### `(\w+)`$", PAGE, flags=re.MULTILINE))
    missing = [name for name in package.__all__ if name not in documented]
    assert not missing, f"{package.__name__} names without an entry in docs/api.md: {missing}"


def test_the_page_holds_no_memory_address():
    assert " at 0x" not in PAGE


def test_check_mode_notices_a_stale_page(tmp_path, monkeypatch):
    stale = tmp_path / "api.md"
    stale.write_text(PAGE + "\nhand edit\n", encoding="utf-8")
    monkeypatch.setattr(build_api, "PAGE", stale)
    assert build_api.main(["--check"]) == 1
    assert build_api.main([]) == 0
    assert build_api.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == build_api.render()
