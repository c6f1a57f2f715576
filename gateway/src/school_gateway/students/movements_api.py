"""The movements JSON API: transfers out and in, dropouts, returns, class changes, history and report."""

from __future__ import annotations

from typing import Any

import grpc

from school.students.v1 import movements_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.errors import from_rpc_error
from school_gateway.i18n import gettext as _
from school_gateway.students import convert
from school_gateway.students.movements_convert import movement, report
from school_gateway.students.movements_schemas import (
    DeleteStudentResultSchema,
    DeleteStudentSchema,
    DropoutSchema,
    HandoverSchema,
    MergeStudentsSchema,
    MovementHistorySchema,
    MovementPlacementSchema,
    MovementReasonListSchema,
    MovementReportArgs,
    MovementReportSchema,
    MovementSchema,
    RepeatResultSchema,
    RepeatSchema,
    RollOverResultSchema,
    RollOverSchema,
    TransferInResultSchema,
    TransferInSchema,
    TransferOutSchema,
)
from school_gateway.students.schemas import StudentSchema
from school_gateway.upstream import stub

blp = ApiBlueprint(
    "movements_api",
    __name__,
    url_prefix="/api/v1",
    description="Student movements (biến động): transfers, dropouts, returns, class changes and the report.",
)


def movements() -> Any:
    return stub("students.movements")


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _call(method: str, request: Any, not_found: dict[str, str] | None = None) -> Any:
    try:
        return getattr(movements(), method)(request)
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND and not_found:
            raise from_rpc_error(err, not_found) from None
        raise


def transfer_out_request(student_id: str, body: dict[str, Any]) -> movements_pb2.TransferOutRequest:
    return movements_pb2.TransferOutRequest(
        student_id=student_id,
        effective_date=_iso(body["effective_date"]),
        reason_code=body["reason_code"],
        note=body["note"],
        to_school_name=body["to_school_name"],
        to_school_code=body["to_school_code"],
        application_received_on=_iso(body["application_received_on"]),
        receiving_school_agreed=body["receiving_school_agreed"],
        handed_over_on=_iso(body.get("handed_over_on")),
        documents=body["documents"],
    )


def dropout_request(student_id: str, body: dict[str, Any]) -> movements_pb2.RecordDropoutRequest:
    return movements_pb2.RecordDropoutRequest(
        student_id=student_id,
        effective_date=_iso(body["effective_date"]),
        reason_code=body["reason_code"],
        note=body["note"],
        withdrawal=body["withdrawal"],
    )


def placement_fields(student_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "student_id": student_id,
        "class_id": body["class_id"],
        "effective_date": _iso(body["effective_date"]),
        "reason_code": body["reason_code"],
        "note": body["note"],
    }


def transfer_in_request(body: dict[str, Any]) -> movements_pb2.TransferInRequest:
    return movements_pb2.TransferInRequest(
        class_id=body["class_id"],
        full_name=body["full_name"],
        date_of_birth=_iso(body["date_of_birth"]),
        gender=convert.gender_to_proto(body["gender"]),
        student_id=body.get("student_id", ""),
        student_code=body["student_code"],
        effective_date=_iso(body["effective_date"]),
        reason_code=body["reason_code"],
        note=body["note"],
        from_school_name=body["from_school_name"],
        from_school_code=body["from_school_code"],
        documents=body["documents"],
        earlier_results=body["earlier_results"],
    )


def repeat_request(student_id: str, body: dict[str, Any]) -> movements_pb2.MarkRepeatRequest:
    return movements_pb2.MarkRepeatRequest(student_id=student_id, repeat=body["repeat"], note=body["note"])


def delete_request(student_id: str, body: dict[str, Any]) -> movements_pb2.DeleteStudentRequest:
    return movements_pb2.DeleteStudentRequest(
        student_id=student_id, reason=body["reason"], confirm_student_code=body["confirm_student_code"]
    )


def merge_request(student_id: str, body: dict[str, Any]) -> movements_pb2.MergeStudentsRequest:
    return movements_pb2.MergeStudentsRequest(
        surviving_student_id=student_id,
        merged_student_id=body["merged_student_id"],
        reason=body["reason"],
        confirm_student_code=body["confirm_student_code"],
    )


def handover_request(student_id: str, body: dict[str, Any]) -> movements_pb2.RecordHandoverRequest:
    return movements_pb2.RecordHandoverRequest(
        student_id=student_id,
        movement_id=body["movement_id"],
        handed_over_on=body["handed_over_on"].isoformat(),
        documents=body["documents"],
    )


def _student_missing() -> dict[str, str]:
    return {"student_id": _("This student does not exist.")}


def _class_missing() -> dict[str, str]:
    return {"class_id": _("This class does not exist.")}


def _placement(
    method: str, request: movements_pb2.RecordReturnRequest | movements_pb2.ChangeClassRequest
) -> dict[str, Any]:
    """A return or a class change: the student or the chosen class may be missing."""
    answer = _call(method, request, {**_student_missing(), **_class_missing()})
    return movement(answer.movement)


@blp.route("/students/<id:student_id>/transfer-out", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(TransferOutSchema)
@blp.response(201, MovementSchema)
@blp.alt_response(404, response="NOT_FOUND")
def transfer_out(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Chuyển trường đi (TT 28/2020 Điều 36): the student leaves the class and becomes CHUYEN_DI."""
    answer = _call("TransferOut", transfer_out_request(student_id, body), _student_missing())
    return movement(answer.movement)


@blp.route("/students/<id:student_id>/dropout", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(DropoutSchema)
@blp.response(201, MovementSchema)
@blp.alt_response(404, response="NOT_FOUND")
def dropout(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Bỏ học (BO_HOC) or, with ``withdrawal``, thôi học (THOI_HOC): the student leaves the class."""
    answer = _call("RecordDropout", dropout_request(student_id, body), _student_missing())
    return movement(answer.movement)


@blp.route("/students/<id:student_id>/return", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(MovementPlacementSchema)
@blp.response(201, MovementSchema)
@blp.alt_response(404, response="NOT_FOUND")
def return_to_school(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Trở lại học: a student who left (bỏ học, thôi học) joins a class again."""
    return _placement("RecordReturn", movements_pb2.RecordReturnRequest(**placement_fields(student_id, body)))


@blp.route("/students/<id:student_id>/class-change", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(MovementPlacementSchema)
@blp.response(201, MovementSchema)
@blp.alt_response(404, response="NOT_FOUND")
def change_class(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Chuyển lớp: moves the student to another class of the same school year."""
    return _placement("ChangeClass", movements_pb2.ChangeClassRequest(**placement_fields(student_id, body)))


@blp.route("/movements/transfer-in", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(TransferInSchema)
@blp.response(201, TransferInResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def transfer_in(body: dict[str, Any]) -> dict[str, Any]:
    """Tiếp nhận học sinh chuyển đến: registers the student and places them in a class (size checked)."""
    answer = _call("TransferIn", transfer_in_request(body), _class_missing())
    return {"student": convert.student(answer.student), "movement": movement(answer.movement)}


@blp.route("/students/<id:student_id>/movements", methods=["GET"])
@permission("students:movement:read")
@blp.response(200, MovementHistorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def history(student_id: str) -> dict[str, Any]:
    """A student's status and movements (who recorded what, when), oldest first."""
    answer = _call(
        "GetMovementHistory", movements_pb2.GetMovementHistoryRequest(student_id=student_id), _student_missing()
    )
    return {
        "student": convert.student(answer.student),
        "status": answer.status,
        "transferred_in": answer.transferred_in,
        "movements": [movement(m) for m in answer.movements],
    }


@blp.route("/movements/report", methods=["GET"])
@permission("students:movement:read")
@blp.arguments(MovementReportArgs, location="query")
@blp.response(200, MovementReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
def movement_report(args: dict[str, Any]) -> dict[str, Any]:
    """Biến động học sinh: size at start, transfers in and out, dropouts, others and size at end,
    per class and per grade over a period (default: the whole school year)."""
    answer = _call(
        "GetMovementReport",
        movements_pb2.GetMovementReportRequest(
            school_year_id=args["school_year_id"],
            period_from=_iso(args["period_from"]),
            period_to=_iso(args["period_to"]),
        ),
        {"school_year_id": _("This school year does not exist.")},
    )
    return report(answer)


@blp.route("/movements/reasons", methods=["GET"])
@permission("students:movement:read")
@blp.response(200, MovementReasonListSchema)
def reasons() -> dict[str, Any]:
    """The configured reason codes per movement kind."""
    answer = movements().ListReasons(movements_pb2.ListReasonsRequest())
    return {"items": [{"kind": r.kind, "code": r.code, "label": r.label} for r in answer.reasons]}


@blp.route("/students/<id:student_id>/repeat", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(RepeatSchema)
@blp.response(200, RepeatResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def mark_repeat(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Ở lại lớp: mark (or unmark) the student as repeating the grade at the next roll-over."""
    answer = _call("MarkRepeat", repeat_request(student_id, body), _student_missing())
    return {"school_year_id": answer.school_year_id, "repeat": answer.repeat}


def roll_over_request(body: dict[str, Any]) -> movements_pb2.RollOverRequest:
    return movements_pb2.RollOverRequest(
        from_school_year_id=body["from_school_year_id"],
        to_school_year_id=body["to_school_year_id"],
        targets=[
            movements_pb2.ClassTarget(from_class_id=t["from_class_id"], to_class_id=t["to_class_id"])
            for t in body["targets"]
        ],
        repeater_student_ids=body["repeater_student_ids"],
    )


def roll_over_result(answer: Any) -> dict[str, Any]:
    return {
        "classes": [
            {
                "from_class_name": c.from_class.class_name,
                "to_class_name": c.to_class.class_name,
                "repeat_class_name": c.repeat_class.class_name,
                "promoted": c.promoted,
                "repeated": c.repeated,
                "completed": c.completed,
            }
            for c in answer.classes
        ],
        "created_class_names": list(answer.created_class_names),
    }


@blp.route("/roll-over", methods=["POST"])
@permission("students:school_year:write")
@blp.arguments(RollOverSchema)
@blp.response(200, RollOverResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def roll_over(body: dict[str, Any]) -> dict[str, Any]:
    """Kết chuyển năm học: pupils move up a grade (repeaters stay, grade 5 completes primary school).

    Targets default to the same letter one grade up (3B → 4B), created when missing. Running it
    again moves only pupils still left in the old year's classes.
    """
    answer = _call("RollOver", roll_over_request(body))
    return roll_over_result(answer)


@blp.route("/students/<id:student_id>/delete", methods=["POST"])
@permission("students:student:delete")
@blp.arguments(DeleteStudentSchema)
@blp.response(200, DeleteStudentResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def delete_student(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Delete a record entered by mistake (no movement history); the code is typed again to confirm."""
    answer = _call("DeleteStudent", delete_request(student_id, body), _student_missing())
    return {"student_code": answer.student_code}


@blp.route("/students/<id:student_id>/merge", methods=["POST"])
@permission("students:student:delete")
@blp.arguments(MergeStudentsSchema)
@blp.response(200, StudentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def merge_students(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Merge a duplicate record of the same child into this one (this id stays; the duplicate's
    enrolment and movement history move over). The duplicate's code is typed again to confirm."""
    answer = _call("MergeStudents", merge_request(student_id, body), _student_missing())
    return convert.student(answer.student)


@blp.route("/students/<id:student_id>/handover", methods=["POST"])
@permission("students:movement:write")
@blp.arguments(HandoverSchema)
@blp.response(200, MovementSchema)
@blp.alt_response(404, response="NOT_FOUND")
def record_handover(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Record the hand-over of a transfer-out dossier (date and documents; TT 28/2020 Điều 36)."""
    answer = _call("RecordHandover", handover_request(student_id, body), _student_missing())
    return movement(answer.movement)
