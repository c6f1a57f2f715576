"""The results JSON API: the class summary sheet per period (Bảng tổng hợp), the year results
with their explanations, and what follows them (supplementary assessment, Tiêu biểu nomination,
the principal's approval and decision). No ranking anywhere: rows come in roster order."""

from __future__ import annotations

from typing import Any

from school.grades.v1 import results_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.grades.results_convert import class_results, results, summary, year_result
from school_gateway.grades.results_schemas import (
    ApprovalSchema,
    ClassSummarySchema,
    ClassYearResultsSchema,
    ComputeSchema,
    DecisionSchema,
    NominationSchema,
    SummaryArgs,
    SupplementarySchema,
    YearArgs,
    YearResultSchema,
)

blp = ApiBlueprint(
    "results_api",
    __name__,
    url_prefix="/api/v1",
    description="Consolidation and year results (TT 27 Điều 9, 11, 13), from the grades service.",
)


def supplementary_request(student_id: str, body: dict[str, Any]) -> results_pb2.RecordSupplementaryRequest:
    return results_pb2.RecordSupplementaryRequest(
        student_id=student_id,
        school_year_id=body["school_year_id"],
        assessed_on=body["assessed_on"].isoformat(),
        subjects=body["subjects"],
        outcome=body["outcome"],
        note=body["note"],
        expected_version=body["expected_version"],
    )


def nomination_request(student_id: str, body: dict[str, Any]) -> results_pb2.NominateRequest:
    return results_pb2.NominateRequest(
        student_id=student_id,
        school_year_id=body["school_year_id"],
        evidence=body["evidence"],
        recognised_by_class=body["recognised_by_class"],
        withdraw=body["withdraw"],
        expected_version=body["expected_version"],
    )


def approval_request(student_id: str, body: dict[str, Any]) -> results_pb2.ApproveAwardRequest:
    return results_pb2.ApproveAwardRequest(
        student_id=student_id,
        school_year_id=body["school_year_id"],
        approve=body["approve"],
        expected_version=body["expected_version"],
    )


def decision_request(student_id: str, body: dict[str, Any]) -> results_pb2.DecidePromotionRequest:
    return results_pb2.DecidePromotionRequest(
        student_id=student_id,
        school_year_id=body["school_year_id"],
        decision=body["decision"],
        decision_ref=body["decision_ref"],
        decided_on=body["decided_on"].isoformat(),
        expected_version=body["expected_version"],
    )


@blp.route("/classes/<id:class_id>/summary", methods=["GET"])
@permission("grades:score:read")
@blp.arguments(SummaryArgs, location="query")
@blp.response(200, ClassSummarySchema)
def class_summary(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Bảng tổng hợp: every pupil's levels and scores of one period (default CN); pupils who left are marked."""
    answer = results().GetClassSummary(results_pb2.GetClassSummaryRequest(class_id=class_id, period=args["period"]))
    return summary(answer.summary)


@blp.route("/classes/<id:class_id>/year-results", methods=["GET"])
@permission("grades:score:read")
@blp.response(200, ClassYearResultsSchema)
def list_year_results(class_id: str) -> dict[str, Any]:
    """The stored year results of the class, and who still lacks CN levels or scores."""
    return class_results(results().ListYearResults(results_pb2.ListYearResultsRequest(class_id=class_id)).results)


@blp.route("/classes/<id:class_id>/year-results", methods=["POST"])
@permission("grades:result:write")
@blp.arguments(ComputeSchema)
@blp.response(200, ClassYearResultsSchema)
def compute_year_results(body: dict[str, Any], class_id: str) -> dict[str, Any]:
    """Compute (again) every pupil's year result from CN; refused, per pupil, while CN is incomplete."""
    answer = results().ComputeYearResults(results_pb2.ComputeYearResultsRequest(class_id=class_id))
    return class_results(answer.results)


@blp.route("/students/<id:student_id>/year-result", methods=["GET"])
@permission("grades:score:read")
@blp.arguments(YearArgs, location="query")
@blp.response(200, YearResultSchema)
def get_year_result(args: dict[str, Any], student_id: str) -> dict[str, Any]:
    """One pupil's year result with its explanation (the newest year by default; empty result before computing)."""
    answer = results().GetYearResult(
        results_pb2.GetYearResultRequest(student_id=student_id, school_year_id=args["school_year_id"])
    )
    return year_result(answer.result)


@blp.route("/students/<id:student_id>/year-result/supplementary", methods=["POST"])
@permission("grades:result:write")
@blp.arguments(SupplementarySchema)
@blp.response(200, YearResultSchema)
def record_supplementary(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """Đánh giá bổ sung of a pupil whose result is Chưa hoàn thành (the GVCN)."""
    return year_result(results().RecordSupplementary(supplementary_request(student_id, body)).result)


@blp.route("/students/<id:student_id>/year-result/nomination", methods=["POST"])
@permission("grades:result:write")
@blp.arguments(NominationSchema)
@blp.response(200, YearResultSchema)
def nominate(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """The GVCN's nomination for Học sinh Tiêu biểu (evidence, class recognition), or its withdrawal."""
    return year_result(results().Nominate(nomination_request(student_id, body)).result)


@blp.route("/students/<id:student_id>/year-result/approval", methods=["POST"])
@permission("grades:decision:write")
@blp.arguments(ApprovalSchema)
@blp.response(200, YearResultSchema)
def approve_award(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """The principal approves or refuses a Tiêu biểu nomination."""
    return year_result(results().ApproveAward(approval_request(student_id, body)).result)


@blp.route("/students/<id:student_id>/year-result/decision", methods=["POST"])
@permission("grades:decision:write")
@blp.arguments(DecisionSchema)
@blp.response(200, YearResultSchema)
def decide_promotion(body: dict[str, Any], student_id: str) -> dict[str, Any]:
    """The principal's decision lên lớp / ở lại lớp, with its number and date, for a pupil who did not complete."""
    return year_result(results().DecidePromotion(decision_request(student_id, body)).result)
