"""Hypothesis settings shared by the tests of `assembly/outcomes/`."""

import os

from hypothesis import settings

# The same cases on every run, so CI stays stable (as in test_fuzz.py); OUTCOMES_EXAMPLES=5000
# with OUTCOMES_RANDOM=1 hunts further. No deadline: a loaded CI machine is not a bug.
PROPERTY = settings(
    max_examples=int(os.environ.get("OUTCOMES_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("OUTCOMES_RANDOM"),
    database=None,
)
