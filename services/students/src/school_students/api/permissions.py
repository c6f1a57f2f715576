"""The permissions the students service checks, named <scope>:<resource>:<action>."""

from __future__ import annotations

SCHOOL_YEAR_READ = "students:school_year:read"
SCHOOL_YEAR_WRITE = "students:school_year:write"
CLASS_READ = "students:class:read"
CLASS_WRITE = "students:class:write"
STUDENT_READ = "students:student:read"
STUDENT_WRITE = "students:student:write"
STUDENT_READ_SENSITIVE = "students:student:read_sensitive"
STUDENT_IMPORT = "students:student:import"
STUDENT_EXPORT = "students:student:export"

ALL = (
    SCHOOL_YEAR_READ,
    SCHOOL_YEAR_WRITE,
    CLASS_READ,
    CLASS_WRITE,
    STUDENT_READ,
    STUDENT_WRITE,
    STUDENT_READ_SENSITIVE,
    STUDENT_IMPORT,
    STUDENT_EXPORT,
)

# The student record (issue 4, records).
GUARDIAN_LINK = "students:guardian:link"
RECORDS = (STUDENT_READ_SENSITIVE, GUARDIAN_LINK)

# Issue 4, attendance (điểm danh).
ATTENDANCE_READ = "students:attendance:read"
ATTENDANCE_WRITE = "students:attendance:write"
ATTENDANCE = (ATTENDANCE_READ, ATTENDANCE_WRITE)

# Movements (issue 4).
MOVEMENT_READ = "students:movement:read"
MOVEMENT_WRITE = "students:movement:write"
STUDENT_DELETE = "students:student:delete"
ALL_MOVEMENTS = (MOVEMENT_READ, MOVEMENT_WRITE, STUDENT_DELETE)

# Every permission the service checks (tests and benchmarks act as a caller holding them all).
EVERY = tuple(dict.fromkeys((*ALL, *RECORDS, *ATTENDANCE, *ALL_MOVEMENTS)))
