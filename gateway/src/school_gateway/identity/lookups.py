"""Names for the ids an assignment carries: school years and classes (students), subject groups (identity).

Pages show "GVBM — Toán, lớp 3A (2025-2026)" rather than ids. Each list is fetched only when the
principal may read it and its upstream is enabled; a lookup that fails leaves the ids as they are
(the page stays usable when one service is down).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc

from school.identity.v1 import staff_pb2
from school.students.v1 import students_pb2
from school_gateway.errors import GatewayError, translate
from school_gateway.i18n import gettext as _
from school_gateway.identity.convert import SCOPE_KINDS, SUBJECTS, label
from school_gateway.principal import Principal
from school_gateway.upstream import stub, upstreams
from schoolkit.logging import get_logger

log = get_logger(__name__)

_LIST_SIZE = 200


@dataclass
class Lookups:
    """id → name for the school years, classes and departments the principal may see."""

    years: list[dict[str, str]] = field(default_factory=list)
    classes: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, str]] = field(default_factory=list)

    @property
    def year_names(self) -> Mapping[str, str]:
        return {y["id"]: y["name"] for y in self.years}

    @property
    def class_names(self) -> Mapping[str, str]:
        return {c["id"]: c["name"] for c in self.classes}

    @property
    def department_names(self) -> Mapping[str, str]:
        return {d["id"]: d["name"] for d in self.departments}

    def scope(self, item: Mapping[str, Any]) -> str:
        """What an assignment is limited to, in words."""
        kind = item.get("scope_kind", "")
        if kind == "department":
            name = self.department_names.get(item.get("department_id", ""), item.get("department_id", ""))
            return _("Subject group %(name)s", name=name)
        if kind == "class":
            name = self.class_names.get(item.get("class_id", ""), item.get("class_id", ""))
            return _("Class %(name)s", name=name)
        if kind == "class_subject":
            name = self.class_names.get(item.get("class_id", ""), item.get("class_id", ""))
            subject = label(SUBJECTS, item.get("subject_code", ""))
            return _("%(subject)s, class %(name)s", subject=subject, name=name)
        return translate(SCOPE_KINDS.get(kind, "")) or "—"


def _enabled(name: str) -> bool:
    return name in upstreams().names


def _safely(what: str, call: Any) -> Iterable[Any]:
    try:
        return list(call())
    except (grpc.RpcError, GatewayError) as err:
        log.warning("lookups.failed", what=what, error_type=type(err).__name__)
        return []


def load(principal: Principal, *, classes_of_year: str | None = None, departments: bool = True) -> Lookups:
    """Years and classes (when the principal may read them) and departments; ``classes_of_year`` narrows classes."""
    found = Lookups()
    if _enabled("students") and principal.has("students:school_year:read"):
        years = _safely(
            "school_years",
            lambda: (
                stub("students").ListSchoolYears(students_pb2.ListSchoolYearsRequest(page_size=_LIST_SIZE)).school_years
            ),
        )
        found.years = [{"id": y.school_year_id, "name": y.name} for y in years]
    if _enabled("students") and principal.has("students:class:read"):
        classes = _safely(
            "classes",
            lambda: (
                stub("students")
                .ListClasses(
                    students_pb2.ListClassesRequest(school_year_id=classes_of_year or "", page_size=_LIST_SIZE)
                )
                .classes
            ),
        )
        found.classes = [
            {"id": c.class_id, "name": c.name, "school_year_id": c.school_year_id, "grade_level": c.grade_level}
            for c in classes
        ]
    if departments and _enabled("identity.staff") and principal.has("identity:staff:read"):
        rows = _safely(
            "departments",
            lambda: stub("identity.staff").ListDepartments(staff_pb2.ListDepartmentsRequest()).departments,
        )
        found.departments = [{"id": d.department_id, "name": d.name} for d in rows]
    return found
