"""``pytest --nbmake notebooks`` runs the notebooks only: the scripts here are not test modules."""

collect_ignore_glob = ["*.py", "src/*.py"]
