"""The tutorials that ``python -m nn`` replays, named by their titles.

The backpropagation walkthrough has no title line in the copy we hold, so its two parts are
named by their section headings: the worked example and the XOR program (tutorial 1).

Example:
    >>> print(XOR_TITLES["tutorial2"])
    Learn how neural networks learn through backpropagation
"""

from __future__ import annotations

__all__ = ["HAND_TITLE", "XOR_TITLES", "IRIS_TITLE", "MOONS_TITLE"]

HAND_TITLE = "Example of Back Propagation in Machine Learning"
XOR_TITLES = {
    "tutorial1": "Back Propagation Implementation in Python for XOR Problem",
    "tutorial2": "Learn how neural networks learn through backpropagation",
}
IRIS_TITLE = "Backpropagation in Python - A Quick Guide"
MOONS_TITLE = "micrograd's demo.ipynb"
