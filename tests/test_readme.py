"""Every ```python block of the README runs on its own, as if pasted into a fresh interpreter.

The whole README also runs as one doctest (``--doctest-glob='*.md'`` in pyproject.toml); here
each block gets an empty namespace, so no block can lean on names from an earlier one.
"""

import doctest
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = [
    (README.count("\n", 0, match.start(1)) + 1, match.group(1))
    for match in re.finditer(r"^```python\n(.*?)^```", README, flags=re.S | re.M)
]
REPOSITORY = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("line, block", BLOCKS, ids=[f"line {line}" for line, _ in BLOCKS])
def test_block_runs_in_a_fresh_namespace(line, block):
    if ">>>" not in block:  # plain code: it must simply run
        exec(compile(block, f"README.md, line {line}", "exec"), {})
        return
    name = f"README.md block at line {line}"
    test = doctest.DocTestParser().get_doctest(block, {}, name, "README.md", line)
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = io.StringIO()
    runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


def test_install_commands_name_this_repository_and_no_package_index_release():
    assert f'pip install "chainrule[torch] @ git+{REPOSITORY}"' in README
    assert 'pip install -e ".[torch]"' in README
    assert f"git clone {REPOSITORY}" in README
    from_index = re.search(r'pip install "?chainrule(\[[a-z,]+\])?"?(?:\s|$)(?!@)', README)
    assert not from_index, f"chainrule is not on PyPI: {from_index and from_index.group(0)}"


def test_the_license_file_is_the_mit_license_the_metadata_names():
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the chainrule authors" in text


def test_the_readme_says_what_make_test_needs():
    assert "Graphviz's `dot` program" in README and "Chromium" in README
    assert "make demo" in README and "make test" in README
