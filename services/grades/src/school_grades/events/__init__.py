"""Events the grades service consumes (school.students.v1 → roster) and, later, publishes."""
