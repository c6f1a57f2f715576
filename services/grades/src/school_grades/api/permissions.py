"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"
SCORE_READ = "grades:score:read"
RESULT_WRITE = "grades:result:write"  # GVCN: consolidation, Tiêu biểu nominations, supplementary assessment
DECISION_WRITE = "grades:decision:write"  # HT: lên lớp / ở lại lớp decisions, award approval

ALL = (ROSTER_READ, SCORE_READ, RESULT_WRITE, DECISION_WRITE)
