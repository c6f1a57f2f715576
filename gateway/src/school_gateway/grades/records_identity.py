"""The học bạ's identity page, composed here from the student record (issue 5 point 7).

Grades keeps no family data and has no credential of its own for students: when a user prints a
học bạ or archives a class at year end, the gateway reads each pupil's record from students with
that user's own token, so students decides what this user may see (family fields and addresses
only with students:student:read_sensitive and the class in reach; blanks otherwise), and passes
the result with the grades request, which uses it for that request only.

The records are read concurrently (one GetStudentRecord per pupil, all in flight at once on the
gateway's channel), so a class of 35 costs about one round trip, not 35.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import grpc

from school.grades.v1 import records_pb2
from school.students.v1 import records_pb2 as student_records_pb2
from school.students.v1 import students_pb2
from school_gateway.sessions import loaded_principal
from school_gateway.students import records_convert
from school_gateway.upstream import stub, upstreams

STUDENTS = "students"
STUDENT_RECORDS = "students.records"
STUDENT_READ = "students:student:read"
# The bounds grades enforces on what it prints (records.proto, PupilIdentity).
NAME_MAX = 100
TEXT_MAX = 200
PAGE = 200
GENDERS = {"male": "Nam", "female": "Nữ"}
# Relation codes of the students service's guardian list → the identity page's three lines.
FATHER, MOTHER, GUARDIAN = "CHA", "ME", "NGUOI_GIAM_HO"
# Refusals that mean "this user may not read that record": the page prints blanks, as before.
# Anything else (students down, a deadline) is an error: a học bạ is not printed, let alone
# signed and archived, with its identity page silently missing.
NOT_VISIBLE = frozenset({grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND})


def _clip(text: str, limit: int) -> str:
    return text.strip()[:limit]


def _first(guardians: Sequence[Mapping[str, Any]], relation: str) -> str:
    return next((g["full_name"] for g in guardians if g["relation"] == relation), "")


def _address(address: Mapping[str, str], provinces: Mapping[str, str]) -> str:
    province = provinces.get(address["province_code"], "")
    return ", ".join(part.strip() for part in (address["detail"], address["commune"], province) if part.strip())


def identity_of(record: Mapping[str, Any], reference: Mapping[str, Mapping[str, str]]) -> records_pb2.PupilIdentity:
    """One pupil's identity page from the record as students returned it to this user.

    Quê quán has no field in the student record: it stays blank rather than guessed from the
    permanent address."""
    fields = record["record"]
    guardians = record["guardians"]  # empty unless students showed the family to this user
    ethnicity = fields["ethnicity"]
    return records_pb2.PupilIdentity(
        student_id=record["student"]["id"],
        gender=GENDERS.get(record["student"]["gender"], ""),
        ethnicity=_clip(reference["ethnic_groups"].get(ethnicity, ethnicity), TEXT_MAX),
        nationality=_clip(fields["nationality"], TEXT_MAX),
        place_of_birth=_clip(fields["place_of_birth"], TEXT_MAX),
        address=_clip(_address(fields["current_address"], reference["provinces"]), TEXT_MAX),
        father_name=_clip(_first(guardians, FATHER), NAME_MAX),
        mother_name=_clip(_first(guardians, MOTHER), NAME_MAX),
        guardian_name=_clip(_first(guardians, GUARDIAN), NAME_MAX),
    )


def _class_members(class_id: str) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        page = stub(STUDENTS).ListStudents(
            students_pb2.ListStudentsRequest(class_id=class_id, page_size=PAGE, page_token=token)
        )
        ids += [s.student_id for s in page.students]
        token = page.next_page_token
        if not token:
            return ids


def _visible(call: Any) -> bool:
    return not isinstance(call, grpc.Call) or call.code() not in NOT_VISIBLE


def pupil_identities(class_id: str, student_id: str = "") -> list[records_pb2.PupilIdentity]:
    """The identity pages of one pupil, or of the class's pupils, as this user may see them."""
    principal = loaded_principal()
    enabled = upstreams().names
    if principal is None or not principal.has(STUDENT_READ) or not {STUDENTS, STUDENT_RECORDS} <= set(enabled):
        return []
    try:
        ids = [student_id] if student_id else _class_members(class_id)
    except grpc.RpcError as err:
        if _visible(err):
            raise
        return []
    if not ids:
        return []
    records = stub(STUDENT_RECORDS)
    reference = {
        name: {entry["code"]: entry["name"] for entry in entries}
        for name, entries in records_convert.reference(
            records.GetRecordReference(student_records_pb2.GetRecordReferenceRequest())
        ).items()
    }
    # All in flight at once: the token, request id and deadline are attached here, in this thread.
    pending = [records.GetStudentRecord.future(student_records_pb2.GetStudentRecordRequest(student_id=i)) for i in ids]
    found: list[records_pb2.PupilIdentity] = []
    failure: grpc.RpcError | None = None
    for call in pending:
        try:
            answer = call.result()
        except grpc.RpcError as err:
            if _visible(err) and failure is None:
                failure = err
            continue
        found.append(identity_of(records_convert.record(answer), reference))
    if failure is not None:
        raise failure
    return found
