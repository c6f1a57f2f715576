"""school_grades: the grades service (TT 27 grade book; for now the roster projected from students)."""
