"""Per-call context (request id, trace parent, calling principal) carried in contextvars."""

from __future__ import annotations

import contextvars
import secrets
import uuid
from dataclasses import dataclass, field

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
traceparent_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("traceparent", default=None)


@dataclass(frozen=True)
class Caller:
    """Who is calling a service, as vouched for by a verified internal token."""

    subject: str
    school_id: str
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)
    username: str = ""
    full_name: str = ""
    # Object scopes from the caller's assignments: "school", "class:<id>",
    # "class_subject:<class id>:<subject>", "department:<id>", "child:<student id>", and for a
    # head of department (TTCM) "grade:<school year id>:<grade level>" per grade the department covers.
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Unix time until which the session counts as stepped up by a second factor (0 = not).
    stepped_up_until: int = 0

    @property
    def is_service(self) -> bool:
        return self.subject.startswith("svc:")

    @property
    def school_wide(self) -> bool:
        """True when a role of the caller reaches every object of the school."""
        return "school" in self.scopes

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def visible_class_ids(self) -> frozenset[str] | None:
        """Classes the caller's assignments reach, or None when a school-wide duty reaches all."""
        if self.school_wide:
            return None
        ids: set[str] = set()
        for scope in self.scopes:
            kind, _, rest = scope.partition(":")
            if kind == "class" and rest:
                ids.add(rest)
            elif kind == "class_subject" and rest:
                ids.add(rest.split(":", 1)[0])
        return frozenset(ids)

    def reaches_class(self, class_id: str) -> bool:
        """Whether an assignment (or a school-wide role) covers this class."""
        visible = self.visible_class_ids()
        return visible is None or class_id in visible

    def reaches_grade(self, school_year_id: str, grade_level: int) -> bool:
        """Whether a school-wide role or a department's grade ("grade:<year id>:<n>", a TTCM)
        covers the classes of this grade level in this school year."""
        return self.school_wide or (bool(school_year_id) and f"grade:{school_year_id}:{grade_level}" in self.scopes)

    def reaches_class_in(self, class_id: str, school_year_id: str, grade_level: int) -> bool:
        """reaches_class for a service that knows the class's year and grade level: an assignment
        to the class, a school-wide role, or a department that covers its grade (a TTCM reads
        the classes of their department's grades; grade scopes give no write duty)."""
        return self.reaches_class(class_id) or self.reaches_grade(school_year_id, grade_level)

    def visible_grades(self) -> frozenset[tuple[str, int]]:
        """(school year id, grade level) pairs the caller's departments cover, for list filters
        alongside visible_class_ids (empty for everyone but a head of department)."""
        pairs: set[tuple[str, int]] = set()
        for scope in self.scopes:
            kind, _, rest = scope.partition(":")
            year, _, level = rest.rpartition(":")
            if kind == "grade" and year and level.isdigit():
                pairs.add((year, int(level)))
        return frozenset(pairs)

    def is_homeroom_of(self, class_id: str) -> bool:
        """Whether the caller keeps this class as a whole: a school-wide duty or its homeroom
        (class) assignment, not only a subject taught in it. Family data, attendance and other
        homeroom duties need this; reading names and scores needs only reaches_class."""
        return self.school_wide or (bool(class_id) and f"class:{class_id}" in self.scopes)

    def child_student_ids(self) -> frozenset[str]:
        """Students the caller is a guardian of (scopes "child:<student id>" of a parent account)."""
        return frozenset(s.partition(":")[2] for s in self.scopes if s.startswith("child:") and len(s) > 6)

    def reaches_student(self, student_id: str) -> bool:
        """Whether the caller reaches this student as their guardian (a parent's own child)."""
        return bool(student_id) and f"child:{student_id}" in self.scopes


caller_var: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str:
    rid = request_id_var.get()
    return rid if rid else new_request_id()


def new_traceparent() -> str:
    """A fresh W3C trace context header (version 00, sampled)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_traceparent(parent: str | None) -> str:
    """Keep the trace id of ``parent`` and start a new span id; start a new trace if invalid."""
    parts = (parent or "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16:
        return f"00-{parts[1]}-{secrets.token_hex(8)}-{parts[3]}"
    return new_traceparent()
