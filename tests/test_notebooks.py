"""The committed notebooks: outputs stripped, in step with their jupytext sources, Colab-ready.

Each ``notebooks/NAME.ipynb`` is converted from the percent script ``notebooks/src/NAME.py`` by
jupytext (``make notebooks``). Running them is a separate step (``pytest --nbmake notebooks``,
part of ``make test``).
"""

import json
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))
REPOSITORY = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


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
    assert not with_outputs, f"{path.name}: code cells {with_outputs} have outputs; run make notebooks"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_notebook_matches_its_source(path):
    source = jupytext.read(NOTEBOOKS / "src" / f"{path.stem}.py", fmt="py:percent")
    assert cells(jupytext.read(path)) == cells(source), (
        f"{path.name} differs from src/{path.stem}.py: run make notebooks"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_notebook_opens_in_colab_and_installs_chainrule_there(path):
    notebook = jupytext.read(path)
    link, install = notebook.cells[0], notebook.cells[1]
    colab = REPOSITORY.replace("https://github.com/", "https://colab.research.google.com/github/")
    assert link.cell_type == "markdown"
    assert f"[Open this notebook in Colab]({colab}/blob/main/notebooks/{path.name})" in link.source
    assert install.cell_type == "code"
    assert 'if "google.colab" in sys.modules:\n    %pip install' in install.source
    assert f'"chainrule[plot,progress] @ git+{REPOSITORY}"' in install.source


def test_a_notebook_is_stored_with_a_kernel_for_nbmake_and_the_docs():
    for path in COMMITTED:
        assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3", path.name
