"""The homeroom teacher (GVCN) of each class, composed from identity's assignments.

Classes live in students and assignments in identity; the gateway asks identity for the year's
current assignments and keeps those with role GVCN scoped to the classes shown. Nothing is copied
into the students service. Only callers who may read assignments (identity:assignment:read) see
the names: for the others the answer is None and the pages leave the column out.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from school.identity.v1 import access_pb2
from school_gateway.sessions import loaded_principal
from school_gateway.upstream import stub

GVCN = "GVCN"
ASSIGNMENT_READ = "identity:assignment:read"
_PAGE = 200
_MAX_PAGES = 20  # 4,000 assignments: far more than one school's year


def may_see() -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(ASSIGNMENT_READ)


def homeroom_teachers(school_year_id: str, class_ids: Iterable[str]) -> dict[str, list[str]] | None:
    """Class id → names of its current GVCN (usually one); None when the caller may not see them
    or identity does not answer (the page then shows no column rather than failing)."""
    wanted = set(class_ids)
    if not may_see() or not school_year_id:
        return None
    found: dict[str, list[str]] = {class_id: [] for class_id in wanted}
    token = ""
    try:
        for _ in range(_MAX_PAGES):
            answer = stub("identity.access").ListAssignments(
                access_pb2.ListAssignmentsRequest(school_year_id=school_year_id, page_size=_PAGE, page_token=token)
            )
            for a in answer.assignments:
                if a.role == GVCN and a.class_id in wanted and a.full_name not in found[a.class_id]:
                    found[a.class_id].append(a.full_name)
            token = answer.next_page_token
            if not token:
                break
    except grpc.RpcError:
        return None
    return found
