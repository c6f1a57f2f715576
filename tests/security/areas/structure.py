"""Authorization-matrix rows and bodies for the structure routes (see areas/__init__.py).

Editing a year or a class would change demo state every other cell relies on, so the edit probes
send the object's *current* values and version (read by the head teacher just before): an allowed
call is a no-op that answers 200 (or a 303 for a page), a denied one 401/403, and another school's
object 404 from the service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from deploy.local.launch import current_school_year

if TYPE_CHECKING:
    from tests.security.matrix import Rel, Row
    from tests.security.matrix_world import World

YEAR_READ = "students:school_year:read"
YEAR_WRITE = "students:school_year:write"
CLASS_WRITE = "students:class:write"
NO_OP = "an allowed call resends the current values and version: a no-op that changes no demo state"


def _year_readers_without_class_scope() -> dict[tuple[str, Rel], Any]:
    """A school year is school-wide data: every role of the school holding the read permission
    reads its own school's years, including roles that reach no class (TTCM, CMHS)."""
    from tests.security.matrix import CLASS_SCOPED, ROLES, SCHOOL_WIDE, Outcome, Rel, holds

    return {
        (role, Rel.OWN): Outcome.ALLOW
        for role in ROLES
        if role not in SCHOOL_WIDE and role not in CLASS_SCOPED and holds(role, YEAR_READ)
    }


def rows() -> list[Row]:
    from tests.security.matrix import Obj, Row

    readers = _year_readers_without_class_scope()
    why = "years are school-wide: no class scope applies to reading one"
    return [
        Row("/api/v1/school-years/<id:school_year_id>", "GET", YEAR_READ, obj=Obj.YEAR, overrides=readers, why=why),
        Row("/api/v1/school-years/<id:school_year_id>", "PUT", YEAR_WRITE, obj=Obj.YEAR, body="year_same", why=NO_OP),
        Row("/api/v1/classes/<id:class_id>", "PUT", CLASS_WRITE, obj=Obj.CLASS, body="class_same", why=NO_OP),
        Row("/school-years/<id:school_year_id>", "GET", YEAR_READ, obj=Obj.YEAR, overrides=readers, why=why),
        Row("/school-years/<id:school_year_id>", "POST", YEAR_WRITE, obj=Obj.YEAR, body="year_same_form", why=NO_OP),
        Row("/classes/<id:class_id>/edit", "GET", CLASS_WRITE, obj=Obj.CLASS),
        Row("/classes/<id:class_id>/edit", "POST", CLASS_WRITE, obj=Obj.CLASS, body="class_same_form", why=NO_OP),
    ]


def _current_year(w: World, rel: Rel) -> dict[str, Any]:
    from tests.security.matrix import Rel

    if rel is Rel.OTHER_SCHOOL:
        # Never read (the service answers NOT_FOUND first); any well-formed body will do.
        _, first, last = current_school_year()
        return {"version": 1, "start_date": first, "end_date": last}
    year = w.clients["HT"].get(f"/api/v1/school-years/{w.year_id}").json()
    return {"version": year["version"], "start_date": year["start_date"], "end_date": year["end_date"]}


def _vn(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _year_form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    body = _current_year(w, rel)
    return {**body, "start_date": _vn(body["start_date"]), "end_date": _vn(body["end_date"])}


def _current_class(w: World, role: str, rel: Rel) -> dict[str, Any]:
    from tests.security.matrix import Rel

    if rel is Rel.OTHER_SCHOOL:
        return {"version": 1, "name": "1A", "room": "", "max_size": 35}
    found = w.clients["HT"].get(f"/api/v1/classes/{w.class_for(role, rel)}").json()
    return {"version": found["version"], "name": found["name"], "room": found["room"], "max_size": found["max_size"]}


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "year_same": lambda w, role, rel: _current_year(w, rel),
    "year_same_form": _year_form,
    "class_same": _current_class,
    "class_same_form": _current_class,
}
