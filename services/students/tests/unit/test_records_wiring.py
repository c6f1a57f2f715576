"""Record events carry no sensitive values; REQUIRED_RECORD_FIELDS is checked; spreadsheet genders."""

from __future__ import annotations

from datetime import date

import pytest

from school.students.v1 import records_pb2
from school_students.config import load_settings
from school_students.domain import events
from school_students.domain.completeness import DEFAULT_REQUIRED
from school_students.domain.record import gender_from_text
from school_students.domain.student import Gender, Student
from school_students.events.outbound import to_message
from schoolkit.config import ConfigError

STUDENT = Student("st1", "s1", "HS000001", "Lê Thị An", date(2017, 1, 2), Gender.FEMALE, 3, "c1")


def test_record_changed_names_fields_only() -> None:
    key, msg = to_message("s1", events.StudentRecordChanged(STUDENT, ("citizen_id", "guardians")))
    assert key == "st1"
    assert isinstance(msg, records_pb2.StudentRecordChanged)
    assert list(msg.changed_fields) == ["citizen_id", "guardians"]
    assert msg.student.version == 3
    assert {f.name for f, _ in msg.ListFields()} == {"school_id", "student", "changed_fields"}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (events.GuardianLinked(STUDENT, "acc-1"), records_pb2.GuardianLinked),
        (events.GuardianUnlinked(STUDENT, "acc-1"), records_pb2.GuardianUnlinked),
    ],
)
def test_guardian_events_carry_ids_and_the_student_code(event: events.RecordEvent, kind: type) -> None:
    key, msg = to_message("s1", event)
    assert key == "st1"
    assert isinstance(msg, kind)
    assert (msg.school_id, msg.student_id, msg.parent_account_id, msg.student_code) == (
        "s1",
        "st1",
        "acc-1",
        "HS000001",
    )


def test_required_fields_default_and_validation() -> None:
    assert load_settings({}).required_fields == DEFAULT_REQUIRED
    assert load_settings({"REQUIRED_RECORD_FIELDS": " csdl_id , guardian "}).required_fields == ("csdl_id", "guardian")
    with pytest.raises(ConfigError) as info:
        load_settings({"REQUIRED_RECORD_FIELDS": "csdl_id,shoe_size"})
    assert set(info.value.problems) == {"REQUIRED_RECORD_FIELDS"}


@pytest.mark.parametrize(
    ("text", "gender"),
    [("Nam", Gender.MALE), (" nữ ", Gender.FEMALE), ("NỮ", Gender.FEMALE), ("female", Gender.FEMALE), ("x", None)],
)
def test_gender_from_text(text: str, gender: Gender | None) -> None:
    assert gender_from_text(text) is gender
