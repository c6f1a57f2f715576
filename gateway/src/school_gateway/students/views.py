"""The students plugin's pages: school years, classes (with sĩ số) and a class page with its enrol form."""

from __future__ import annotations

import re
import uuid
from typing import Any

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school.students.v1 import students_pb2
from school_gateway.authz import permission
from school_gateway.errors import GatewayError
from school_gateway.i18n import gettext as _
from school_gateway.pages import FormResult, can_open, form_failure, load_form, render
from school_gateway.sessions import loaded_principal
from school_gateway.students import convert
from school_gateway.students.homeroom import homeroom_teachers
from school_gateway.students.schemas import CreateClassSchema, EnrolFormSchema
from school_gateway.students.structure_api import name_taken, semester_message
from school_gateway.students.structure_schemas import YearFormSchema, form_field, semester_fields
from school_gateway.students.structure_views import by_grade, remap_errors
from school_gateway.students.years import chosen_year
from school_gateway.students.years import school_years as all_school_years  # the page below has the name
from school_gateway.upstream import stub

bp = flask.Blueprint("students", __name__)

PAGE_SIZE = 50
_TOKEN_MAX = 512
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def students() -> Any:
    return stub("students")


def _page_token() -> str:
    return request.args.get("page_token", "")[:_TOKEN_MAX]


def _may(permission_name: str) -> bool:
    principal = loaded_principal()
    return principal is not None and principal.has(permission_name)


def _empty_form() -> FormResult:
    return FormResult({}, {}, {})


def _name_field(form: FormResult, err: grpc.RpcError) -> None:
    """A taken name (409) shows on the name input too, not only above the form."""
    taken = name_taken(err)
    if taken is not None:
        form.errors.update(taken.fields)


# --- School years -----------------------------------------------------------------------------


def _years_page(form: FormResult, status: int = 200) -> ResponseReturnValue:
    answer = students().ListSchoolYears(
        students_pb2.ListSchoolYearsRequest(page_size=PAGE_SIZE, page_token=_page_token())
    )
    return render(
        "students/school_years.html",
        status,
        years=[convert.school_year(y) for y in answer.school_years],
        next_page_token=answer.next_page_token,
        can_create=_may("students:school_year:write"),
        can_edit=_may("students:school_year:write"),
        form=form,
    )


@bp.get("/school-years")
@permission("students:school_year:read")
def school_years() -> ResponseReturnValue:
    return _years_page(_empty_form())


@bp.post("/school-years")
@permission("students:school_year:write")
def create_school_year() -> ResponseReturnValue:
    form = load_form(YearFormSchema())
    if not form.errors:
        terms = semester_fields(form.data)
        try:
            students().CreateSchoolYear(
                students_pb2.CreateSchoolYearRequest(
                    name=form.data["name"],
                    start_date=form.data["start_date"].isoformat(),
                    end_date=form.data["end_date"].isoformat(),
                    hk1=semester_message(terms.get("hk1")),
                    hk2=semester_message(terms.get("hk2")),
                )
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
            remap_errors(form, form_field)
            _name_field(form, err)
        else:
            return flask.redirect(url_for("students.school_years", notice="year_created"), 303)
    return _years_page(form, 400)


# --- Classes ----------------------------------------------------------------------------------


def _classes_page(form: FormResult, status: int = 200) -> ResponseReturnValue:
    years = all_school_years() if _may("students:school_year:read") else []
    selected = chosen_year(years, request.args.get("school_year_id", "") or form.raw.get("school_year_id", ""))
    answer = students().ListClasses(
        students_pb2.ListClassesRequest(school_year_id=selected, page_size=PAGE_SIZE, page_token=_page_token())
    )
    listed = [convert.school_class(c) for c in answer.classes]
    teachers = homeroom_teachers(selected, [c["id"] for c in listed])
    return render(
        "students/classes.html",
        status,
        years=years,
        selected_year=selected,
        classes=listed,
        grades=by_grade(listed),
        teachers=teachers,
        can_edit=_may("students:class:write"),
        next_page_token=answer.next_page_token,
        can_create=_may("students:class:write") and bool(years),
        form=form,
        year_options=[(y["id"], y["name"]) for y in years],
        grade_options=[("", _("Choose a grade level"))] + [(n, _("Grade %(n)s", n=n)) for n in range(1, 6)],
    )


@bp.get("/classes")
@permission("students:class:read")
def classes() -> ResponseReturnValue:
    return _classes_page(_empty_form())


@bp.post("/classes")
@permission("students:class:write")
def create_class() -> ResponseReturnValue:
    form = load_form(CreateClassSchema())
    if not form.errors:
        try:
            students().CreateClass(
                students_pb2.CreateClassRequest(
                    school_year_id=form.data["school_year_id"],
                    name=form.data["name"],
                    grade_level=form.data["grade_level"],
                    max_size=form.data["max_size"],
                    room=form.data["room"],
                )
            )
        except grpc.RpcError as err:
            if not form_failure(form, err):
                raise
            _name_field(form, err)
        else:
            target = url_for("students.classes", school_year_id=form.data["school_year_id"], notice="class_created")
            return flask.redirect(target, 303)
    return _classes_page(form, 400)


# --- One class ----------------------------------------------------------------------------------


def _class_page(class_id: str, form: FormResult, status: int = 200) -> ResponseReturnValue:
    school_class = convert.school_class(
        students().GetClass(students_pb2.GetClassRequest(class_id=class_id)).school_class
    )
    teachers = homeroom_teachers(school_class["school_year_id"], [class_id])
    pupils: list[dict[str, Any]] = []
    next_page_token = ""
    if _may("students:student:read"):
        answer = students().ListStudents(
            students_pb2.ListStudentsRequest(class_id=class_id, page_size=PAGE_SIZE, page_token=_page_token())
        )
        pupils = [convert.student(s) for s in answer.students]
        next_page_token = answer.next_page_token
    return render(
        "students/class_detail.html",
        status,
        school_class=school_class,
        students=pupils,
        next_page_token=next_page_token,
        can_enrol=_may("students:student:write"),
        teachers=None if teachers is None else teachers.get(class_id, []),
        can_edit=_may("students:class:write"),
        show_roster=can_open("grades.roster"),
        form=form,
        # A fresh key per rendered form: a double-clicked submit enrols the student only once.
        idempotency_key=uuid.uuid4().hex,
    )


@bp.get("/classes/<id:class_id>")
@permission("students:class:read")
def class_detail(class_id: str) -> ResponseReturnValue:
    return _class_page(class_id, _empty_form())


@bp.post("/classes/<id:class_id>")
@permission("students:student:write")
def enrol_student(class_id: str) -> ResponseReturnValue:
    form = load_form(EnrolFormSchema())
    key = request.form.get("idempotency_key", "")
    if not form.errors:
        try:
            students().EnrollStudent(
                students_pb2.EnrollStudentRequest(
                    class_id=class_id,
                    full_name=form.data["full_name"],
                    date_of_birth=form.data["date_of_birth"].isoformat(),
                    gender=convert.gender_to_proto(form.data["gender"]),
                    student_code=form.data.get("student_code", ""),
                    idempotency_key=key if _IDEMPOTENCY_KEY.match(key) else "",
                )
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                raise GatewayError(404, "not_found", _("This class does not exist.")) from None
            if not form_failure(form, err):
                raise
        else:
            return flask.redirect(url_for("students.class_detail", class_id=class_id, notice="student_enrolled"), 303)
    return _class_page(class_id, form, 400)


# --- Finding students -------------------------------------------------------------------------


@bp.get("/students/search")
@permission("students:student:read")
def search() -> ResponseReturnValue:
    """Tìm học sinh: a search box, then matching students by class-list order, 50 a page."""
    query = request.args.get("q", "")[:100]
    found: list[dict[str, Any]] = []
    next_page_token = ""
    error = ""
    status = 200
    if query.strip():
        try:
            answer = students().SearchStudents(
                students_pb2.SearchStudentsRequest(query=query, page_size=PAGE_SIZE, page_token=_page_token())
            )
        except grpc.RpcError as err:
            form = FormResult({"q": query}, {}, {})
            if err.code() != grpc.StatusCode.INVALID_ARGUMENT or not form_failure(form, err):
                raise
            error = form.errors.get("query") or form.errors.get("page_token") or form.message
            status = 400
        else:
            found = [convert.found_student(s) for s in answer.students]
            next_page_token = answer.next_page_token
    return render(
        "students/search.html",
        status,
        query=query,
        searched=bool(query.strip()) and not error,
        error=error,
        students=found,
        next_page_token=next_page_token,
    )
