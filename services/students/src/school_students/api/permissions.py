"""The permissions the students service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

SCHOOL_YEAR_READ = "students:school_year:read"
SCHOOL_YEAR_WRITE = "students:school_year:write"
CLASS_READ = "students:class:read"
CLASS_WRITE = "students:class:write"
STUDENT_READ = "students:student:read"
STUDENT_WRITE = "students:student:write"

ALL: tuple[str, ...] = (SCHOOL_YEAR_READ, SCHOOL_YEAR_WRITE, CLASS_READ, CLASS_WRITE, STUDENT_READ, STUDENT_WRITE)

# Movements (issue 4).
MOVEMENT_READ = "students:movement:read"
MOVEMENT_WRITE = "students:movement:write"
STUDENT_DELETE = "students:student:delete"
ALL_MOVEMENTS = (MOVEMENT_READ, MOVEMENT_WRITE, STUDENT_DELETE)
ALL = (*ALL, *ALL_MOVEMENTS)
