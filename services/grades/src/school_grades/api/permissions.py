"""The permissions the grades service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

ROSTER_READ = "grades:roster:read"

ALL = (ROSTER_READ,)
