"""The grades plugin: the class roster as the grade book sees it and the grade book itself (pages
and JSON); upstream grades (GradesService, and GradebookService on the same server)."""

from __future__ import annotations

from school.grades.v1 import gradebook_pb2, gradebook_pb2_grpc, grades_pb2, grades_pb2_grpc
from school_gateway.errors import N_
from school_gateway.grades import api, gradebook_api, gradebook_convert, gradebook_views, views
from school_gateway.plugins import MenuEntry, Plugin, Upstream

GRADES = Upstream.from_descriptor(
    "grades", "GRADES_GRPC_ADDR", grades_pb2.DESCRIPTOR, "GradesService", grades_pb2_grpc.GradesServiceStub
)
# Issue 5, the grade book: GradebookService runs in the grades server (same address and audience).
GRADEBOOK = Upstream.from_descriptor(
    gradebook_convert.UPSTREAM,
    "GRADES_GRPC_ADDR",
    gradebook_pb2.DESCRIPTOR,
    "GradebookService",
    gradebook_pb2_grpc.GradebookServiceStub,
    audience="grades",
)
STAFF_SCOPES = ("school", "class", "class_subject", "department")

# The roster has no menu entry: it belongs to one class and is opened from that class's page.
plugin = Plugin(
    name="grades",
    blueprints=[views.bp, gradebook_views.bp],
    api_blueprints=[api.blp, gradebook_api.blp],
    menu=[
        # The regulatory name (TT 27/2020); schools also say "sổ điểm".
        MenuEntry(
            N_("Education quality record book"), "gradebook.index", "grades:score:read", "nav-gradebook", STAFF_SCOPES
        ),
    ],
    upstreams=[GRADES, GRADEBOOK],
)
