"""School-structure pages: edit a school year (dates, semesters) and edit a class (name, room, size limit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import grpc
from flask import url_for
from flask.typing import ResponseReturnValue

from school.students.v1 import students_pb2
from school_gateway.authz import permission
from school_gateway.pages import FormResult, form_failure, load_form, render
from school_gateway.students import convert
from school_gateway.students.homeroom import homeroom_teachers
from school_gateway.students.structure_api import name_taken, semester_message
from school_gateway.students.structure_schemas import (
    ClassEditFormSchema,
    YearEditFormSchema,
    form_field,
    semester_fields,
)
from school_gateway.upstream import stub

bp = flask.Blueprint("structure", __name__)


def students() -> Any:
    return stub("students")


def by_grade(classes: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Classes grouped by grade level 1..5, in the order the service listed them."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for c in classes:
        groups.setdefault(c["grade_level"], []).append(c)
    return sorted(groups.items())


def remap_errors(form: FormResult, rename: Callable[[str], str]) -> None:
    """Field names from the service ("hk1.start_date") as the form names its inputs."""
    form.errors = {rename(k): v for k, v in form.errors.items()}


def _vn(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def year_form_values(year: dict[str, Any]) -> dict[str, str]:
    """A stored year as the edit form shows it (dates dd/mm/yyyy)."""
    values = {
        "version": str(year["version"]),
        "start_date": _vn(year["start_date"]),
        "end_date": _vn(year["end_date"]),
    }
    for term in year["semesters"]:
        values[f"hk{term['term']}_start_date"] = _vn(term["start_date"])
        values[f"hk{term['term']}_end_date"] = _vn(term["end_date"])
        values[f"hk{term['term']}_teaching_weeks"] = str(term["teaching_weeks"] or "")
    return values


# --- Edit a school year ----------------------------------------------------------------------------


def _year_page(year_id: str, form: FormResult | None, status: int = 200) -> ResponseReturnValue:
    year = convert.school_year(
        students().GetSchoolYear(students_pb2.GetSchoolYearRequest(school_year_id=year_id)).school_year
    )
    if form is None:
        form = FormResult({}, {}, year_form_values(year))
    return render("students/structure_year.html", status, year=year, form=form)


@bp.get("/school-years/<id:school_year_id>")
@permission("students:school_year:read")
def school_year(school_year_id: str) -> ResponseReturnValue:
    return _year_page(school_year_id, None)


@bp.post("/school-years/<id:school_year_id>")
@permission("students:school_year:write")
def edit_school_year(school_year_id: str) -> ResponseReturnValue:
    form = load_form(YearEditFormSchema())
    if not form.errors:
        terms = semester_fields(form.data)
        try:
            students().UpdateSchoolYear(
                students_pb2.UpdateSchoolYearRequest(
                    school_year_id=school_year_id,
                    expected_version=form.data["version"],
                    start_date=form.data["start_date"].isoformat(),
                    end_date=form.data["end_date"].isoformat(),
                    hk1=semester_message(terms.get("hk1")),
                    hk2=semester_message(terms.get("hk2")),
                )
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND or not form_failure(form, err):
                raise
            remap_errors(form, form_field)
        else:
            return flask.redirect(url_for("students.school_years", notice="year_updated"), 303)
    return _year_page(school_year_id, form, 400)


# --- Edit a class ----------------------------------------------------------------------------------


def _class_edit_page(class_id: str, form: FormResult | None, status: int = 200) -> ResponseReturnValue:
    school_class = convert.school_class(
        students().GetClass(students_pb2.GetClassRequest(class_id=class_id)).school_class
    )
    stored = {
        "version": str(school_class["version"]),
        "name": school_class["name"],
        "room": school_class["room"],
        "max_size": str(school_class["max_size"]),
    }
    if form is None:
        form = FormResult({}, {}, stored)
    teachers = homeroom_teachers(school_class["school_year_id"], [class_id])
    return render(
        "students/structure_class.html",
        status,
        school_class=school_class,
        form=form,
        teachers=None if teachers is None else teachers.get(class_id, []),
    )


@bp.get("/classes/<id:class_id>/edit")
@permission("students:class:write")
def class_edit(class_id: str) -> ResponseReturnValue:
    return _class_edit_page(class_id, None)


@bp.post("/classes/<id:class_id>/edit")
@permission("students:class:write")
def edit_class(class_id: str) -> ResponseReturnValue:
    form = load_form(ClassEditFormSchema())
    if not form.errors:
        try:
            students().UpdateClass(
                students_pb2.UpdateClassRequest(
                    class_id=class_id,
                    expected_version=form.data["version"],
                    name=form.data["name"],
                    room=form.data["room"],
                    max_size=form.data["max_size"],
                )
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND or not form_failure(form, err):
                raise
            taken = name_taken(err)
            if taken is not None:
                form.errors.update(taken.fields)
        else:
            return flask.redirect(url_for("students.class_detail", class_id=class_id, notice="class_updated"), 303)
    return _class_edit_page(class_id, form, 400)
