"""The tutorials our users read first, replayed with chainrule, with their true numbers.

One module per tutorial; each function returns plain dataclasses of numbers:

* :mod:`nn.tutorials.hand` -- the hand-computed 2-2-1 example of a backprop walkthrough:
  :func:`hand_example` (every forward value, delta and updated weight, checked against
  ``backward()``) and :func:`walkthrough_errata` (each printed number beside the true one).
* :mod:`nn.tutorials.xor` -- XOR as two numpy tutorials train it: :func:`xor_study` over seeds,
  :func:`xor_fixes` (what makes the second one work).
* :mod:`nn.tutorials.iris` -- the iris tutorial's 4-2-3 network, and a setup that works:
  :func:`iris_study`.
* :mod:`nn.tutorials.moons` -- micrograd's demo: :func:`moons_demo`.
* :mod:`nn.tutorials.errata` -- renders ``docs/tutorial_errata.md`` from all of the above.

``python -m nn hand|xor|iris|moons`` runs them from the command line.

Example:
    >>> from nn.tutorials import hand_example
    >>> round(hand_example().new_weights["w23"], 6)      # the walkthrough prints 0.877816
    0.878743
"""

from nn.tutorials.hand import Erratum, HandExample, hand_example, walkthrough_errata
from nn.tutorials.iris import IrisRun, IrisStudy, iris_better_run, iris_study, iris_tutorial_run
from nn.tutorials.moons import MoonsResult, moons_demo, moons_study
from nn.tutorials.xor import (
    TUTORIAL_1,
    TUTORIAL_2,
    TUTORIAL_2_FIXED,
    XorRun,
    XorSetup,
    XorStudy,
    xor_fixes,
    xor_run,
    xor_study,
)

__all__ = [
    "HandExample",
    "hand_example",
    "Erratum",
    "walkthrough_errata",
    "XorSetup",
    "XorRun",
    "XorStudy",
    "TUTORIAL_1",
    "TUTORIAL_2",
    "TUTORIAL_2_FIXED",
    "xor_run",
    "xor_study",
    "xor_fixes",
    "IrisRun",
    "IrisStudy",
    "iris_tutorial_run",
    "iris_better_run",
    "iris_study",
    "MoonsResult",
    "moons_demo",
    "moons_study",
]
