"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"

# Records (issue 5 point 7): print the học bạ and class summaries (HT, PHT, GVCN of the class, VP);
# sign and archive them (HT).
RECORD_PRINT = "grades:record:print"
RECORD_SIGN = "grades:record:sign"

ALL = (ROSTER_READ, RECORD_PRINT, RECORD_SIGN)
