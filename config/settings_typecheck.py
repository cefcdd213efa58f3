"""The settings mypy's Django plugin loads: development's, since production's refuse to load without secrets.

Only the static analysis uses this module; it never serves anything.
"""

import os

os.environ["VERITY_ENV"] = "development"

from config.settings import *  # noqa: F403
