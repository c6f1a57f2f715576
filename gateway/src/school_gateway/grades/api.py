"""The grades plugin's JSON API: a class roster as the grade book knows it (built from students' events)."""

from __future__ import annotations

from typing import Any

from school.grades.v1 import grades_pb2
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.grades import convert
from school_gateway.grades.schemas import RosterPageSchema
from school_gateway.schemas import PageArgs
from school_gateway.upstream import stub

blp = ApiBlueprint("grades_api", __name__, url_prefix="/api/v1", description="The grade book, from the grades service.")


@blp.route("/classes/<id:class_id>/roster", methods=["GET"])
@permission("grades:roster:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, RosterPageSchema)
def roster(args: dict[str, Any], class_id: str) -> dict[str, Any]:
    """The class roster kept by grades; it may lag the register by the event delay."""
    answer = stub("grades").ListRoster(
        grades_pb2.ListRosterRequest(class_id=class_id, page_size=args["page_size"], page_token=args["page_token"])
    )
    return {"items": [convert.roster_entry(e) for e in answer.entries], "next_page_token": answer.next_page_token}
