"""The grades plugin's page: "Danh sách lớp (sổ điểm)", the roster the grades service serves for a class."""

from __future__ import annotations

import flask
from flask import request
from flask.typing import ResponseReturnValue

from school.grades.v1 import grades_pb2
from school_gateway.authz import permission
from school_gateway.grades import convert
from school_gateway.pages import can_open, render
from school_gateway.upstream import stub

bp = flask.Blueprint("grades", __name__)


@bp.get("/classes/<id:class_id>/roster")
@permission("grades:roster:read")
def roster(class_id: str) -> ResponseReturnValue:
    answer = stub("grades").ListRoster(
        grades_pb2.ListRosterRequest(
            class_id=class_id, page_size=100, page_token=request.args.get("page_token", "")[:512]
        )
    )
    entries = [convert.roster_entry(e) for e in answer.entries]
    return render(
        "grades/roster.html",
        class_id=class_id,
        class_name=entries[0]["class_name"] if entries else "",
        entries=entries,
        next_page_token=answer.next_page_token,
        show_class_link=can_open("students.class_detail"),
    )
