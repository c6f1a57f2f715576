"""Outbound events of the year results (topic school.grades.v1, key = the student id).

Levels, codes and decisions only: the explanation text, comments and nomination evidence stay in
grades (they describe a child and are not needed to act on the result).
"""

from __future__ import annotations

from school.grades.v1 import results_events_pb2
from school_grades.app.results_ports import StoredResult

TOPIC = "school.grades.v1"
SERVICE = "grades"


def year_result_computed(row: StoredResult) -> results_events_pb2.YearResultComputed:
    return results_events_pb2.YearResultComputed(
        school_id=row.school_id,
        student_id=row.student_id,
        school_year_id=row.school_year_id,
        class_id=row.class_id,
        grade_level=row.grade_level,
        result=row.result.value,
        computed_result=row.computed_result.value,
        completes_grade=row.completes_grade,
        award=row.award.value if row.award else "",
        version=row.version,
    )


def promotion_decided(row: StoredResult) -> results_events_pb2.PromotionDecided:
    principal = row.principal if row.decision_basis is not None and row.decision_basis.value == "HIEU_TRUONG" else None
    return results_events_pb2.PromotionDecided(
        school_id=row.school_id,
        student_id=row.student_id,
        school_year_id=row.school_year_id,
        class_id=row.class_id,
        grade_level=row.grade_level,
        decision=row.decision.value if row.decision else "",
        basis=row.decision_basis.value if row.decision_basis else "",
        decision_ref=principal.decision_ref if principal else "",
        decided_on=principal.decided_on.isoformat() if principal else row.computed_at.date().isoformat(),
        version=row.version,
    )
