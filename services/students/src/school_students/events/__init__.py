"""Events the students service publishes (outbound mappers to the school.students.v1 contracts)."""
