"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"
# Checks and locking (issue 5 points 5–6): HT, PHT and TTCM read the checks; HT locks and unlocks.
CHECK_READ = "grades:check:read"
PERIOD_LOCK = "grades:period:lock"

ALL = (ROSTER_READ, CHECK_READ, PERIOD_LOCK)
