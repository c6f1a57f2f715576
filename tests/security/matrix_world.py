"""What the authorization matrix needs from the running stack: one signed-in client per role, the demo
objects each relation points at, objects of another school, throw-away records for the routes that
change people, and how one cell's request is built, sent and classified.

Kept apart from the table (matrix.py) so the table stays a plain structure a reviewer can read.
"""

from __future__ import annotations

import importlib
import itertools
import re
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import grpc
import requests

from deploy.local.launch import current_school_year
from school.students.v1 import students_pb2, students_pb2_grpc
from schoolkit.context import Caller
from schoolkit.tokens import TokenIssuer, load_private_key
from tests.security.areas import AREAS
from tests.security.matrix import ANONYMOUS, ROLES, USERNAMES, Obj, Probe, Rel, Row
from tests.stack import Api, Stack

#: The class each relation points at, per role (demo assignments: GVCN → 1A, GVBM → 2A and 3A).
OWN_CLASS: Mapping[str, str] = {"GVCN": "1A", "GVBM": "2A"}
OTHER_CLASS: Mapping[str, str] = {"GVCN": "2A", "GVBM": "4A"}
DEFAULT_OWN, DEFAULT_OTHER = "1A", "4A"
REASON = "Kiểm thử ma trận phân quyền"
# Generous: the matrix asserts status codes, not speed, and some cells render and sign whole
# classes of PDFs on a 2-core machine that other work may be loading too.
TIMEOUT_S = 60
_PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass
class World:
    """Ids and clients shared by every cell of one run."""

    url: str
    clients: dict[str, Api]
    year_id: str
    classes: dict[str, str]  # class name → id (demo classes 1A–5A)
    pupils: dict[str, str]  # class name → id of a pupil in it
    other_year_id: str
    other_class_id: str
    other_student_id: str
    staff_id: str = ""
    staff_version: int = 0
    user_id: str = ""
    assignment_id: str = ""
    # The demo parent's child (deploy/local/launch.py links phuhuynh to a pupil of 1A).
    child_id: str = ""
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        # itertools.count is atomic under the GIL: unique names across the worker threads.
        return next(self._seq)

    def class_for(self, role: str, rel: Rel) -> str:
        if rel is Rel.OTHER_SCHOOL:
            return self.other_class_id
        name = OWN_CLASS.get(role, DEFAULT_OWN) if rel is Rel.OWN else OTHER_CLASS.get(role, DEFAULT_OTHER)
        return self.classes[name]

    def student_for(self, role: str, rel: Rel) -> str:
        if rel is Rel.OTHER_SCHOOL:
            return self.other_student_id
        if role == "CMHS" and rel is Rel.OWN:
            return self.child_id
        name = OWN_CLASS.get(role, DEFAULT_OWN) if rel is Rel.OWN else OTHER_CLASS.get(role, DEFAULT_OTHER)
        return self.pupils[name]

    def year_for(self, rel: Rel) -> str:
        return self.other_year_id if rel is Rel.OTHER_SCHOOL else self.year_id


# --- Set-up ----------------------------------------------------------------------------------------------


def sign_in_all(stack: Stack) -> dict[str, Api]:
    """One client per role, each account signed in once (a TOTP code works once per 30 s step)."""
    clients: dict[str, Api] = {}
    anonymous = Api(stack.url)
    r = anonymous.http.get(stack.url + "/api/v1/session", timeout=TIMEOUT_S)
    r.raise_for_status()
    # Anonymous POSTs carry a valid CSRF token, so a refusal is the access check's, not CSRF's.
    anonymous.csrf = r.json()["csrf_token"]
    clients[ANONYMOUS] = anonymous

    def login(role: str) -> tuple[str, Api]:
        api = Api(stack.url)
        r = api.login(USERNAMES[role])
        assert r.status_code == 200, f"{USERNAMES[role]} could not sign in: {r.status_code} {r.text[:300]}"
        return role, api

    # Different accounts have different TOTP secrets, so their sign-ins may overlap.
    with ThreadPoolExecutor(max_workers=4) as pool:
        clients.update(pool.map(login, [r for r in ROLES if r != ANONYMOUS]))
    return clients


def other_school(stack: Stack) -> tuple[str, str, str]:
    """A year, a class and a student of another school, made directly in the students service."""
    school = str(uuid.uuid4())
    caller = Caller(
        subject="u-matrix-other-school",
        school_id=school,
        roles=("HT",),
        permissions=frozenset(
            {"students:school_year:write", "students:class:write", "students:student:write", "students:student:read"}
        ),
        scopes=frozenset({"school"}),
    )
    token = TokenIssuer(load_private_key(stack.var / "keys" / "internal.key")).issue(caller, "students")
    meta = (("authorization", f"Bearer {token}"),)
    name, first, last = current_school_year()
    with grpc.insecure_channel(f"127.0.0.1:{stack.grpc_base + 1}") as channel:
        stub = students_pb2_grpc.StudentsServiceStub(channel)
        year = stub.CreateSchoolYear(
            students_pb2.CreateSchoolYearRequest(name=name, start_date=first, end_date=last), metadata=meta, timeout=10
        ).school_year
        cls = stub.CreateClass(
            students_pb2.CreateClassRequest(school_year_id=year.school_year_id, name="1A", grade_level=1),
            metadata=meta,
            timeout=10,
        ).school_class
        student = stub.EnrollStudent(
            students_pb2.EnrollStudentRequest(
                class_id=cls.class_id,
                full_name="Trường Khác Học Sinh",
                date_of_birth=f"{int(first[:4]) - 6}-03-03",
                gender=students_pb2.GENDER_FEMALE,
            ),
            metadata=meta,
            timeout=10,
        ).student
    return year.school_year_id, cls.class_id, student.student_id


def build_world(stack: Stack, clients: dict[str, Api]) -> World:
    head = clients["HT"]
    years = head.items("/api/v1/school-years", page_size=100)
    year_id = next(y["id"] for y in years if y["name"] == current_school_year()[0])
    classes = {c["name"]: c["id"] for c in head.items("/api/v1/classes", school_year_id=year_id, page_size=100)}
    pupils = {name: head.items(f"/api/v1/classes/{cid}/students")[0]["id"] for name, cid in classes.items()}
    other_year, other_class, other_student = other_school(stack)
    world = World(stack.url, clients, year_id, classes, pupils, other_year, other_class, other_student)

    # Throw-away people for the routes that act on accounts, records and assignments: the demo
    # accounts are never disabled, reset or re-assigned.
    tag = uuid.uuid4().hex[:8]
    made = head.create("/api/v1/staff", {"full_name": "Tài Khoản Thử Ma Trận", "create_account_username": f"mt.{tag}"})
    world.staff_id = made["record"]["id"]
    world.staff_version = made["record"]["version"]
    world.user_id = made["record"]["user_id"]
    grant = head.create("/api/v1/assignments", {"user_id": world.user_id, "role": "TV"})
    world.assignment_id = grant["id"]
    world.child_id = demo_child(clients["CMHS"])
    return world


def demo_child(parent: Api) -> str:
    """The demo parent's child, once identity has applied the seed's GuardianLinked."""
    deadline = time.monotonic() + 60
    while True:
        children = parent.items("/api/v1/my-children")
        if children:
            return str(children[0]["id"])
        if time.monotonic() > deadline:
            raise RuntimeError("the demo parent sees no child: GuardianLinked did not reach identity")
        time.sleep(1)


# --- One cell's request ----------------------------------------------------------------------------------


def _school_year(w: World, role: str, rel: Rel) -> dict[str, Any]:
    # Far-future names that no demo or other test uses; one per call so an allowed create succeeds.
    start = 2100 + w.next()
    return {"name": f"{start}-{start + 1}", "start_date": f"{start}-09-05", "end_date": f"{start + 1}-05-31"}


def _student(w: World, role: str, rel: Rel) -> dict[str, Any]:
    return {
        "class_id": w.class_for(role, rel),
        "full_name": "Học Sinh Ma Trận",
        "date_of_birth": "2018-06-15",
        "gender": "female",
    }


def _student_form(w: World, role: str, rel: Rel) -> dict[str, Any]:
    body = _student(w, role, rel)
    del body["class_id"]  # the page takes the class from the URL
    return body


BODIES: Mapping[str, Callable[[World, str, Rel], dict[str, Any]]] = {
    "empty": lambda w, role, rel: {},
    "empty_json": lambda w, role, rel: {},
    "bad_totp": lambda w, role, rel: {"totp_code": "x"},
    "bad_contact": lambda w, role, rel: {"phone": "x", "version": 0},
    "school_year": _school_year,
    "class": lambda w, role, rel: {"school_year_id": w.year_for(rel), "name": f"MT{w.next()}", "grade_level": 3},
    "student": _student,
    "student_form": _student_form,
    "staff": lambda w, role, rel: {"full_name": f"Cán Bộ Ma Trận {w.next()}"},
    "staff_form": lambda w, role, rel: {"full_name": f"Cán Bộ Ma Trận {w.next()}"},
    "staff_update": lambda w, role, rel: {"full_name": "Tài Khoản Thử Ma Trận", "version": w.staff_version},
    "export": lambda w, role, rel: {"include_sensitive": False},
    "department": lambda w, role, rel: {"name": f"Tổ Ma Trận {w.next()}"},
    "bad_grade_levels": lambda w, role, rel: {"grade_levels": [9]},
    "bad_role_permissions": lambda w, role, rel: {"permissions": [], "reason": "x"},
    # The throw-away account already holds TV (set-up); each route grants it one more school-wide role.
    "grant": lambda w, role, rel: {"user_id": w.user_id, "role": "KT"},
    "grant_form": lambda w, role, rel: {"user_id": w.user_id, "role": "YT"},
    "reason": lambda w, role, rel: {"reason": REASON},
    "activate": lambda w, role, rel: {"active": True, "reason": REASON},
    "remind": lambda w, role, rel: {"user_id": w.user_id, "kind": "never_used"},
    **{
        name: build
        for area in AREAS
        for name, build in importlib.import_module(f"tests.security.areas.{area}").BODIES.items()
    },
}


def concrete_path(rule: str, w: World, role: str, rel: Rel) -> str:
    """The rule with every placeholder replaced by the id this (role, relation) points at."""
    ids = {
        "class_id": lambda: w.class_for(role, rel),
        "student_id": lambda: w.student_for(role, rel),
        "school_year_id": lambda: w.year_for(rel),
        "staff_id": lambda: w.staff_id,
        "user_id": lambda: w.user_id,
        "assignment_id": lambda: w.assignment_id,
        # Only reached with an invalid body: the role is never actually changed.
        "role": lambda: "CMHS",
        "filename": lambda: "app.css",
        # A guardian no student has: guardian routes are probed after the student check (records area).
        "guardian_id": lambda: "00000000-0000-4000-8000-00000000feed",
        # Only reached with an invalid body (grade 9), refused before the department is looked up.
        "department_id": lambda: "00000000-0000-4000-8000-00000000dead",
    }
    return _PLACEHOLDER.sub(lambda m: ids[m.group(1)](), rule)


def _form_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def send(row: Row, role: str, rel: Rel, w: World) -> requests.Response:
    api = w.clients[role]
    path = concrete_path(row.rule, w, role, rel)
    body = BODIES[row.body](w, role, rel) if row.body else None
    headers = {"X-CSRFToken": "not-a-valid-token" if row.probe is Probe.BAD_CSRF else api.csrf}
    kwargs: dict[str, Any] = {"headers": headers, "timeout": TIMEOUT_S, "allow_redirects": False}
    if row.method != "GET":
        if path.startswith("/api/"):
            kwargs["json"] = body if body is not None else {}
        else:
            kwargs["data"] = {k: _form_value(v) for k, v in (body or {}).items()}
    return api.http.request(row.method, w.url + path, **kwargs)


# --- Classification --------------------------------------------------------------------------------------


def _json_code(resp: requests.Response) -> str:
    try:
        return str(resp.json().get("error", {}).get("code", ""))
    except (ValueError, AttributeError):
        return ""


def classify(row: Row, resp: requests.Response) -> str:
    """ALLOW, DENY, or ERROR (5xx, throttled: the cell proves nothing and fails)."""
    status = resp.status_code
    if status >= 500 or status == 429:
        return "ERROR"
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(resp.headers.get("Location", "")).path
        if target == "/signin" and not row.signin_redirect_is_allow:
            return "DENY"
        return "ALLOW"
    if status == 403 and _json_code(resp) == "step_up_required":
        # Refused for want of a fresh second factor, which the gateway asks only after the access check.
        return "ALLOW"
    if status == 404 and row.not_found_is_allow:
        return "ALLOW"
    if status in (401, 403, 404):
        return "DENY"
    if status == 400 and row.obj is not Obj.NONE and _page_says_not_found(resp):
        # A page form names the object in its body (opening a class in a year): the service refused the
        # object as not found and the page shows that on the form (400) instead of an error page.
        return "DENY"
    return "ALLOW"


_FORM_ERROR = re.compile(r'data-testid="form-error"[^>]*>([^<]*)<')
#: The gateway's Vietnamese message for an upstream NOT_FOUND ("The requested record was not found.").
_NOT_FOUND_TEXT = "Không tìm thấy"


def _page_says_not_found(resp: requests.Response) -> bool:
    if "text/html" not in resp.headers.get("Content-Type", ""):
        return False
    return any(_NOT_FOUND_TEXT in m for m in _FORM_ERROR.findall(resp.text))


def describe(resp: requests.Response) -> str:
    """Status plus the error code or redirect target, for the mismatch list."""
    extra = _json_code(resp) or urlsplit(resp.headers.get("Location", "")).path
    if not extra and resp.status_code == 400 and _page_says_not_found(resp):
        extra = "form: not found"
    return f"{resp.status_code}{' ' + extra if extra else ''}"
