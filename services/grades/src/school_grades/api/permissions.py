"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"
# Checks and locking (issue 5 points 5–6): HT, PHT and TTCM read the checks; HT locks and unlocks.
CHECK_READ = "grades:check:read"
PERIOD_LOCK = "grades:period:lock"
SCORE_READ = "grades:score:read"
RESULT_WRITE = "grades:result:write"  # GVCN: consolidation, Tiêu biểu nominations, supplementary assessment
DECISION_WRITE = "grades:decision:write"  # HT: lên lớp / ở lại lớp decisions, award approval

ALL = (ROSTER_READ, CHECK_READ, PERIOD_LOCK, SCORE_READ, RESULT_WRITE, DECISION_WRITE)
