"""Repository-wide test settings: Hypothesis profiles.

- "fast" (default, `make test`): few examples, derandomized so CI runs the same sequences every time.
- "deep" (`make test-deep`, HYPOTHESIS_PROFILE=deep): thousands of random sequences, longer ones.

Neither profile keeps an example database, so a test run writes nothing into the repository.
"""

import os

from hypothesis import settings

settings.register_profile(
    "fast",
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
)
settings.register_profile(
    "deep",
    max_examples=1000,
    stateful_step_count=50,
    deadline=None,
    database=None,
    print_blob=True,  # a failure prints @reproduce_failure(...) to replay it
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
