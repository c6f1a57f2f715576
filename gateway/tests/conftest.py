"""Gateway test fixtures: in-process fake identity/students/grades gRPC servers and a gateway app wired to them.

The fakes run behind schoolkit's real server interceptor with a TokenVerifier per audience, so
every call the gateway makes must carry a valid, correctly addressed internal token; the fakes
record the verified caller and the raw token of each call for the tests to inspect.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.protobuf import timestamp_pb2

from school.grades.v1 import grades_pb2, grades_pb2_grpc
from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school.students.v1 import students_pb2, students_pb2_grpc
from school_gateway.app import create_app
from school_gateway.i18n import compile_catalogues
from schoolkit.context import caller_var
from schoolkit.grpc_errors import (
    AlreadyExistsError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    UnauthenticatedError,
)
from schoolkit.grpc_server import GrpcServer, require, start_server
from schoolkit.tokens import TokenVerifier, generate_keypair, load_public_key

PASSWORD = "TrungVuong@2026"
SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
ALL_STUDENT_PERMISSIONS = frozenset(
    {
        "students:school_year:read",
        "students:school_year:write",
        "students:class:read",
        "students:class:write",
        "students:student:read",
        "students:student:write",
        "grades:roster:read",
        "identity:me:read",
    }
)


@dataclass
class Account:
    user_id: str
    username: str
    full_name: str
    roles: tuple[str, ...]
    permissions: frozenset[str]

    def principal(self) -> identity_pb2.Principal:
        return identity_pb2.Principal(
            user_id=self.user_id,
            username=self.username,
            full_name=self.full_name,
            school_id=SCHOOL_ID,
            roles=list(self.roles),
            permissions=sorted(self.permissions),
        )


ACCOUNTS = {
    "hieutruong": Account("u-ht", "hieutruong", "Nguyễn Văn Hiệu", ("HT",), ALL_STUDENT_PERMISSIONS),
    "gvbm": Account(
        "u-gvbm",
        "gvbm",
        "Trần Thị Bích",
        ("GVBM",),
        frozenset({"students:school_year:read", "students:class:read", "students:student:read", "identity:me:read"}),
    ),
    "thietbi": Account("u-tb", "thietbi", "Lê Văn Thiết", ("TB",), frozenset({"identity:me:read"})),
}


@dataclass
class Call:
    """One call a fake received: method name, the verified caller and the raw bearer token."""

    method: str
    subject: str
    permissions: frozenset[str]
    token: str
    request_id: str

    @property
    def claims(self) -> dict[str, Any]:
        return jwt.decode(self.token, options={"verify_signature": False})


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, context: grpc.ServicerContext) -> None:
        caller = caller_var.get()
        md = dict(context.invocation_metadata())
        token = str(md.get("authorization", ""))[7:]
        with self.lock:
            self.calls.append(
                Call(
                    method,
                    caller.subject if caller else "",
                    caller.permissions if caller else frozenset(),
                    token,
                    str(md.get("x-request-id", "")),
                )
            )

    def methods(self) -> list[str]:
        with self.lock:
            return [c.method for c in self.calls]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.sessions: dict[str, str] = {}
        self.login_requests: list[identity_pb2.LoginRequest] = []
        self.throttled = False

    def reset(self) -> None:
        self.sessions.clear()
        self.login_requests.clear()
        self.throttled = False

    def revoke_all(self) -> None:
        self.sessions.clear()

    def Login(self, request: identity_pb2.LoginRequest, context: grpc.ServicerContext) -> identity_pb2.LoginResponse:
        self.recorder.record("Login", context)
        require("identity:session:manage")
        self.login_requests.append(request)
        if self.throttled:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Quá nhiều lần thử")
        account = ACCOUNTS.get(request.username.lower())
        if account is None or request.password != PASSWORD:
            raise UnauthenticatedError("Tên đăng nhập hoặc mật khẩu không đúng")
        session_id = uuid.uuid4().hex + uuid.uuid4().hex
        self.sessions[session_id] = account.username
        return identity_pb2.LoginResponse(session_id=session_id, principal=account.principal())

    def ValidateSession(
        self, request: identity_pb2.ValidateSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ValidateSessionResponse:
        self.recorder.record("ValidateSession", context)
        require("identity:session:manage")
        username = self.sessions.get(request.session_id)
        if username is None:
            raise UnauthenticatedError("Phiên đăng nhập không hợp lệ")
        return identity_pb2.ValidateSessionResponse(principal=ACCOUNTS[username].principal())

    def Logout(self, request: identity_pb2.LogoutRequest, context: grpc.ServicerContext) -> identity_pb2.LogoutResponse:
        self.recorder.record("Logout", context)
        require("identity:session:manage")
        self.sessions.pop(request.session_id, None)
        return identity_pb2.LogoutResponse()

    def GetMe(self, request: identity_pb2.GetMeRequest, context: grpc.ServicerContext) -> identity_pb2.GetMeResponse:
        self.recorder.record("GetMe", context)
        require("identity:me:read")
        caller = caller_var.get()
        account = next(a for a in ACCOUNTS.values() if caller and a.user_id == caller.subject)
        return identity_pb2.GetMeResponse(principal=account.principal())


class FakeStudents(students_pb2_grpc.StudentsServiceServicer):
    """An in-memory register with the real service's contract (Vietnamese field errors, NOT_FOUND, class full)."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.years: dict[str, students_pb2.SchoolYear] = {}
        self.classes: dict[str, students_pb2.SchoolClass] = {}
        self.students: dict[str, students_pb2.Student] = {}
        self.keys: dict[str, str] = {}
        self.fail_with: grpc.StatusCode | None = None
        self.delay_s = 0.0

    def reset(self) -> None:
        self.years.clear()
        self.classes.clear()
        self.students.clear()
        self.keys.clear()
        self.fail_with = None
        self.delay_s = 0.0

    def _enter(self, method: str, context: grpc.ServicerContext, permission: str) -> None:
        self.recorder.record(method, context)
        require(permission)
        if self.delay_s:
            time.sleep(self.delay_s)  # a hung service (e.g. SIGSTOPped)
        if self.fail_with is not None:
            context.abort(self.fail_with, "injected failure with internal detail /srv/db.sqlite")

    def CreateSchoolYear(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateSchoolYear", context, "students:school_year:write")
        if any(y.name == request.name for y in self.years.values()):
            raise AlreadyExistsError(f"Năm học {request.name} đã tồn tại")
        year = students_pb2.SchoolYear(
            school_year_id=str(uuid.uuid4()),
            name=request.name,
            start_date=request.start_date,
            end_date=request.end_date,
        )
        self.years[year.school_year_id] = year
        return students_pb2.CreateSchoolYearResponse(school_year=year)

    def ListSchoolYears(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListSchoolYears", context, "students:school_year:read")
        years = sorted(self.years.values(), key=lambda y: y.name, reverse=True)
        return students_pb2.ListSchoolYearsResponse(school_years=years)

    def CreateClass(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateClass", context, "students:class:write")
        if request.school_year_id not in self.years:
            raise NotFoundError("Không tìm thấy năm học")
        if any(c.name == request.name and c.school_year_id == request.school_year_id for c in self.classes.values()):
            raise AlreadyExistsError(f"Lớp {request.name} đã tồn tại trong năm học")
        cls = students_pb2.SchoolClass(
            class_id=str(uuid.uuid4()),
            school_year_id=request.school_year_id,
            name=request.name,
            grade_level=request.grade_level,
            max_size=request.max_size or 35,
            size=0,
        )
        self.classes[cls.class_id] = cls
        return students_pb2.CreateClassResponse(school_class=cls)

    def ListClasses(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListClasses", context, "students:class:read")
        found = [
            c for c in self.classes.values() if not request.school_year_id or c.school_year_id == request.school_year_id
        ]
        return students_pb2.ListClassesResponse(classes=sorted(found, key=lambda c: (c.grade_level, c.name)))

    def GetClass(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetClass", context, "students:class:read")
        cls = self.classes.get(request.class_id)
        if cls is None:
            raise NotFoundError("Không tìm thấy lớp")
        return students_pb2.GetClassResponse(school_class=cls)

    def EnrollStudent(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("EnrollStudent", context, "students:student:write")
        if request.idempotency_key and request.idempotency_key in self.keys:
            return students_pb2.EnrollStudentResponse(student=self.students[self.keys[request.idempotency_key]])
        if len(request.full_name.split()) < 2:
            raise InvalidInputError("Dữ liệu không hợp lệ", {"full_name": "Họ và tên phải có ít nhất hai từ"})
        cls = self.classes.get(request.class_id)
        if cls is None:
            raise NotFoundError("Không tìm thấy lớp")
        if cls.size >= cls.max_size:
            raise PreconditionFailedError(f"Lớp {cls.name} đã đủ sĩ số")
        student = students_pb2.Student(
            student_id=str(uuid.uuid4()),
            student_code=request.student_code or f"HS{len(self.students) + 1:04d}",
            full_name=request.full_name,
            date_of_birth=request.date_of_birth,
            gender=request.gender,
            class_id=cls.class_id,
            version=1,
        )
        self.students[student.student_id] = student
        cls.size += 1
        if request.idempotency_key:
            self.keys[request.idempotency_key] = student.student_id
        return students_pb2.EnrollStudentResponse(student=student)

    def GetStudent(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetStudent", context, "students:student:read")
        student = self.students.get(request.student_id)
        if student is None:
            raise NotFoundError("Không tìm thấy học sinh")
        return students_pb2.GetStudentResponse(student=student)

    def ListStudents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListStudents", context, "students:student:read")
        found = [s for s in self.students.values() if s.class_id == request.class_id]
        return students_pb2.ListStudentsResponse(students=sorted(found, key=lambda s: s.full_name))


class FakeGrades(grades_pb2_grpc.GradesServiceServicer):
    """The roster as grades would build it from students' events (here: read straight from the fake register)."""

    def __init__(self, recorder: Recorder, register: FakeStudents):
        self.recorder = recorder
        self.register = register

    def ListRoster(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.recorder.record("ListRoster", context)
        require("grades:roster:read")
        cls = self.register.classes.get(request.class_id)
        now = timestamp_pb2.Timestamp()
        now.FromDatetime(dt.datetime.now(dt.UTC))
        entries = [
            grades_pb2.RosterEntry(
                student_id=s.student_id,
                student_code=s.student_code,
                full_name=s.full_name,
                date_of_birth=s.date_of_birth,
                class_id=s.class_id,
                class_name=cls.name if cls else "",
                updated_at=now,
            )
            for s in sorted(self.register.students.values(), key=lambda s: s.full_name)
            if s.class_id == request.class_id
        ]
        return grades_pb2.ListRosterResponse(entries=entries)


@dataclass
class Upstreams:
    """The three fake services, their servers and one shared call log."""

    recorder: Recorder
    identity: FakeIdentity
    students: FakeStudents
    grades: FakeGrades
    servers: dict[str, GrpcServer]

    def addr(self, name: str) -> str:
        return f"127.0.0.1:{self.servers[name].port}"

    def reset(self) -> None:
        self.recorder.clear()
        self.identity.reset()
        self.students.reset()
        for server in self.servers.values():
            server.set_serving(True)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    generate_keypair(d / "internal.key", d / "internal.pub")
    return d / "internal.key", d / "internal.pub"


@pytest.fixture(scope="session", autouse=True)
def catalogues() -> None:
    # What `make translations` does; the app would also do it on start-up.
    compile_catalogues()


@pytest.fixture(scope="session")
def fake_upstreams(keys: tuple[Path, Path]) -> Iterator[Upstreams]:
    public = load_public_key(keys[1])
    recorder = Recorder()
    identity = FakeIdentity(recorder)
    students = FakeStudents(recorder)
    grades = FakeGrades(recorder, students)

    def registrar(
        add: Callable[[Any, grpc.Server], None], servicer: Any, full_name: str
    ) -> Callable[[grpc.Server], str]:
        def register(server: grpc.Server) -> str:
            add(servicer, server)
            return full_name

        return register

    servers = {
        "identity": start_server(
            register=[
                registrar(
                    identity_pb2_grpc.add_IdentityServiceServicer_to_server,
                    identity,
                    "school.identity.v1.IdentityService",
                )
            ],
            verifier=TokenVerifier(public, audience="identity"),
        ),
        "students": start_server(
            register=[
                registrar(
                    students_pb2_grpc.add_StudentsServiceServicer_to_server,
                    students,
                    "school.students.v1.StudentsService",
                )
            ],
            verifier=TokenVerifier(public, audience="students"),
        ),
        "grades": start_server(
            register=[
                registrar(grades_pb2_grpc.add_GradesServiceServicer_to_server, grades, "school.grades.v1.GradesService")
            ],
            verifier=TokenVerifier(public, audience="grades"),
        ),
    }
    ups = Upstreams(recorder, identity, students, grades, servers)
    yield ups
    for server in servers.values():
        server.stop(0)


@pytest.fixture
def upstreams(fake_upstreams: Upstreams) -> Upstreams:
    fake_upstreams.reset()
    return fake_upstreams


@pytest.fixture
def environ(upstreams: Upstreams, keys: tuple[Path, Path]) -> dict[str, str]:
    """The variables a deployment would set, pointing at the fakes."""
    return {
        "GATEWAY_SECRET_KEY": "test-secret-" + "x" * 40,
        "INTERNAL_TOKEN_PRIVATE_KEY_FILE": str(keys[0]),
        "IDENTITY_GRPC_ADDR": upstreams.addr("identity"),
        "STUDENTS_GRPC_ADDR": upstreams.addr("students"),
        "GRADES_GRPC_ADDR": upstreams.addr("grades"),
        "GRPC_TIMEOUT_S": "2",
        "SESSION_CACHE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def app(environ: dict[str, str]) -> Iterator[Flask]:
    application = create_app(environ)
    yield application
    application.extensions["school_gateway.upstreams"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Browser:
    """Helpers to drive the gateway the way a browser or an API client does (conftest is not importable)."""

    @staticmethod
    def csrf(client: FlaskClient) -> str:
        response = client.get("/api/v1/session")
        assert response.status_code == 200, response.text
        return str(response.json["csrf_token"])

    @staticmethod
    def login(client: FlaskClient, username: str = "hieutruong", password: str = PASSWORD) -> str:
        """Sign in through the JSON API; returns the CSRF token of the new session."""
        token = Browser.csrf(client)
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200, response.text
        return str(response.json["csrf_token"])

    @staticmethod
    def form_csrf(html: str) -> str:
        """The CSRF token embedded in a rendered form."""
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]

    @staticmethod
    def session_cookie(client: FlaskClient) -> str:
        cookie = client.get_cookie("tv_session")
        return cookie.value if cookie else ""


@pytest.fixture
def browser() -> type[Browser]:
    return Browser


@pytest.fixture
def signed_in(client: FlaskClient, upstreams: Upstreams) -> str:
    """A client signed in as the principal (HT) through the JSON API; returns the CSRF token."""
    token = Browser.login(client)
    upstreams.recorder.clear()
    return token
