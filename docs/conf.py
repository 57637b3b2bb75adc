"""Sphinx configuration of the chainrule site (``make docs`` -> ``build/docs/index.html``).

Pages are Markdown (MyST); the notebooks are executed and rendered by MyST-NB; the API
reference is generated from the docstrings by autodoc/autosummary. ``docs/notebooks`` and
``docs/benchmarks.md`` show the repository's own files (a link, an include), so each lives in
one place.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not
# The repository's address is written once, in pyproject.toml's [project.urls].
REPOSITORY = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
# A static page has no live widgets: progress bars stay off while the notebooks run.
os.environ["TQDM_DISABLE"] = "1"

project = "chainrule"
author = "the chainrule authors"
copyright = "the chainrule authors"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "notebooks/src", "**/.ipynb_checkpoints"]
templates_path = ["_templates"]

html_theme = "furo"
html_title = "chainrule"
html_theme_options = {"source_repository": REPOSITORY, "source_branch": "main", "source_directory": "docs/"}

myst_heading_anchors = 3  # the README's links to its own sections, e.g. (#speed)
myst_enable_extensions = ["dollarmath"]

# Notebooks run at build time (they are stored without outputs); an error fails the build.
nb_execution_mode = "auto"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN: the pages show no widgets

# The API reference: autosummary writes one page per module (into docs/_autosummary/, at every
# build) and autodoc fills it from the docstrings. Every page uses the module template, since
# autograd.backward (the module) is shadowed by autograd.backward (the function it exports).
autosummary_generate = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
napoleon_google_docstring = True
napoleon_numpy_docstring = False


DOCS = ROOT / "docs"
# Repository files that the site shows as pages (by including them): the file -> the page.
PAGES_ELSEWHERE = {ROOT / "BENCHMARKS.md": DOCS / "benchmarks.md"}
_MARKDOWN_LINK = re.compile(r"(\]\()([^)\s#][^)\s]*)(\))")
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def repository_links(text: str, file: Path) -> str:
    """Markdown links of ``file`` as they must read on the site.

    Links are written for the repository, where ``autograd/ops.py`` or ``../nn/tutorials`` are
    files; on the site they become links to those files in the repository on GitHub, and a
    link to a file the site shows as a page (``BENCHMARKS.md``) becomes a link to that page.
    """

    def rewrite(match: re.Match[str]) -> str:
        target = match.group(2)
        if _HAS_SCHEME.match(target):
            return match.group(0)
        path_part, hash_mark, anchor = target.partition("#")
        path = (file.parent / path_part).resolve()
        if not path.exists() or ROOT not in path.parents:
            return match.group(0)
        page = PAGES_ELSEWHERE.get(path)
        if page is not None:
            new = os.path.relpath(page, file.parent) + hash_mark + anchor
        elif DOCS in path.parents and path.suffix in (".md", ".ipynb"):
            return match.group(0)
        else:
            kind = "tree" if path.is_dir() else "blob"
            new = f"{REPOSITORY}/{kind}/main/{path.relative_to(ROOT).as_posix()}"
        return match.group(1) + new + match.group(3)

    return _MARKDOWN_LINK.sub(rewrite, text)


def _rewrite_page(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".md":
        source[0] = repository_links(source[0], path.resolve())


def _rewrite_included(app, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    content[0] = repository_links(content[0], (Path(app.srcdir) / relative_path).resolve())


_BARS = re.compile(r"(?<![|`\w])\|(\w+)\|(?![|`\w_])")


def _bars_are_text(app, what, name, obj, options, lines: list[str]) -> None:
    """``|x|`` in a docstring means an absolute value (as ``help()`` shows it), never a reST
    substitution: show it as code."""
    lines[:] = [_BARS.sub(r"``|\1|``", line) for line in lines]


def setup(app):
    app.connect("source-read", _rewrite_page)
    app.connect("include-read", _rewrite_included)
    app.connect("autodoc-process-docstring", _bars_are_text)
