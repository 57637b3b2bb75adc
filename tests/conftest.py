"""Shared test settings: hypothesis profiles ("dev" by default, "ci" derandomized, "fuzz" big,
"differential-long" for long local runs of the differential fuzzer).

"dev" is for quick local runs. "ci" (HYPOTHESIS_PROFILE=ci, set by .ci/run) is derandomized,
so CI runs the same examples every time; 300 examples per property keep the engine suite
(~100 properties) around 40 s of one core.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# The big fuzzing run (tests/test_fuzz.py, `make pytest` runs it separately): 10,000 random
# programs, derandomized like "ci" so a red build is reproducible.
settings.register_profile(
    "fuzz",
    max_examples=10_000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# The long differential run against PyTorch (tests/test_differential.py), for local hunting:
# `HYPOTHESIS_PROFILE=differential-long pytest -m differential`. Random (not derandomized), so
# each run explores new programs; a failure prints the example and its reproduction blob.
settings.register_profile(
    "differential-long",
    max_examples=20_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
