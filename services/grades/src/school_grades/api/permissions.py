"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"
# Checks and locking (issue 5 points 5–6): HT, PHT and TTCM read the checks; HT locks and unlocks.
CHECK_READ = "grades:check:read"
PERIOD_LOCK = "grades:period:lock"

# Records (issue 5 point 7): print the học bạ and class summaries (HT, PHT, GVCN of the class, VP);
# sign and archive them (HT).
RECORD_PRINT = "grades:record:print"
RECORD_SIGN = "grades:record:sign"

ALL = (ROSTER_READ, CHECK_READ, PERIOD_LOCK, RECORD_PRINT, RECORD_SIGN)
