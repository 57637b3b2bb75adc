"""Speed benchmarks of chainrule against micrograd, PyTorch and numpy (``make bench``; see run_all.py)."""
