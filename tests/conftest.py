"""Shared test settings: hypothesis profiles ("dev" by default, "ci" derandomized).

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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
