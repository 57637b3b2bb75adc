"""The committed notebooks: outputs stripped, and in step with their text sources.

Running them is a separate step (``pytest --nbmake notebooks``, part of ``make test``).
"""

import importlib.util
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_source_has_its_notebook_and_back():
    sources = {path.stem for path in (NOTEBOOKS / "src").glob("*.py")}
    assert sources, "no notebook sources found"
    assert sources == {path.stem for path in COMMITTED}


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_notebook_has_no_outputs(path):
    notebook = json.loads(path.read_text())
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code_cells
    with_outputs = [i for i, cell in enumerate(code_cells) if cell["outputs"] or cell["execution_count"]]
    assert not with_outputs, f"{path.name}: code cells {with_outputs} have outputs; strip them"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_notebook_matches_its_source(path):
    rebuilt = _builder().build(NOTEBOOKS / "src" / f"{path.stem}.py")
    assert path.read_text() == rebuilt, (
        f"{path.name} differs from src/{path.stem}.py: run python notebooks/build_notebooks.py"
    )


def test_percent_format_parsing():
    text = "# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n\n# %%\n\n# %%\nprint(x)\n"
    expected = [("markdown", "# Title\n\ntext"), ("code", "x = 1"), ("code", "print(x)")]
    assert _builder().parse_cells(text) == expected


def test_markdown_lines_must_be_comments():
    with pytest.raises(ValueError, match="must start with '# '"):
        _builder().parse_cells("# %% [markdown]\nnot a comment\n")
