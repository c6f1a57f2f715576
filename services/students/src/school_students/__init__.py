"""school_students: the students service (school years, classes, student register, enrolments)."""
