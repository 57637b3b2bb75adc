"""The tutorials our users read first, replayed with chainrule, with their true numbers.

* :mod:`nn.tutorials.hand` -- the hand-computed 2-2-1 example of a backprop walkthrough.
"""
