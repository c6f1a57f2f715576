"""StudentRecordsService messages ⇄ the gateway's JSON/page dictionaries."""

from __future__ import annotations

from typing import Any

from school.students.v1 import records_pb2
from school_gateway.schemas import iso_date
from school_gateway.students import convert


def address(message: Any) -> dict[str, str]:
    return {"province_code": message.province_code, "commune": message.commune, "detail": message.detail}


def record_fields(message: Any) -> dict[str, Any]:
    return {
        "csdl_id": message.csdl_id,
        "citizen_id": message.citizen_id,
        "ethnicity": message.ethnicity,
        "religion": message.religion,
        "nationality": message.nationality,
        "place_of_birth": message.place_of_birth,
        "permanent_address": address(message.permanent_address),
        "current_address": address(message.current_address),
        "policy_categories": list(message.policy_categories),
        "disability_type": message.disability_type,
        "has_iep": message.has_iep,
    }


def guardian(message: Any) -> dict[str, Any]:
    return {
        "id": message.guardian_id,
        "full_name": message.full_name,
        "relation": message.relation,
        "phone": message.phone,
        "birth_year": message.birth_year,
        "occupation": message.occupation,
        "email": message.email,
        "address": message.address,
        "parent_account_id": message.parent_account_id,
        "version": message.version,
    }


def record(message: Any) -> dict[str, Any]:
    return {
        "student": convert.student(message.student),
        "record": record_fields(message.record),
        "guardians": [guardian(g) for g in message.guardians],
        "enrolments": [
            {
                "class_id": e.class_id,
                "class_name": e.class_name,
                "grade_level": e.grade_level,
                "school_year_id": e.school_year_id,
                "school_year_name": e.school_year_name,
                "enrolled_on": iso_date(e.enrolled_on),
                "left_on": iso_date(e.left_on) if e.left_on else None,
            }
            for e in message.enrolments
        ],
        "sensitive_visible": message.sensitive_visible,
        "missing_fields": list(message.missing_fields),
        "editable": message.editable,
    }


def address_in(body: dict[str, Any]) -> records_pb2.Address:
    return records_pb2.Address(
        province_code=body.get("province_code", ""), commune=body.get("commune", ""), detail=body.get("detail", "")
    )


def record_fields_in(body: dict[str, Any]) -> records_pb2.StudentRecordFields:
    return records_pb2.StudentRecordFields(
        csdl_id=body.get("csdl_id", ""),
        citizen_id=body.get("citizen_id", ""),
        ethnicity=body.get("ethnicity", ""),
        religion=body.get("religion", ""),
        nationality=body.get("nationality", ""),
        place_of_birth=body.get("place_of_birth", ""),
        permanent_address=address_in(body.get("permanent_address") or {}),
        current_address=address_in(body.get("current_address") or {}),
        policy_categories=list(body.get("policy_categories") or []),
        disability_type=body.get("disability_type", ""),
        has_iep=bool(body.get("has_iep", False)),
    )


def guardian_in(body: dict[str, Any]) -> records_pb2.GuardianInput:
    return records_pb2.GuardianInput(
        full_name=body.get("full_name", ""),
        relation=body.get("relation", ""),
        phone=body.get("phone", ""),
        birth_year=body.get("birth_year", ""),
        occupation=body.get("occupation", ""),
        email=body.get("email", ""),
        address=body.get("address", ""),
    )


def class_completeness(message: Any) -> dict[str, Any]:
    return {
        "class_id": message.school_class.class_id,
        "class_name": message.school_class.name,
        "students": [
            {
                "student_id": s.student_id,
                "student_code": s.student_code,
                "full_name": s.full_name,
                "date_of_birth": iso_date(s.date_of_birth),
                "missing_fields": list(s.missing_fields),
            }
            for s in message.students
        ],
        "total": message.total,
        "complete": message.complete,
        "percent": message.percent,
        "required_fields": list(message.required_fields),
    }


def school_completeness(message: Any) -> dict[str, Any]:
    return {
        "classes": [
            {
                "class_id": c.class_id,
                "class_name": c.class_name,
                "grade_level": c.grade_level,
                "total": c.total,
                "complete": c.complete,
                "percent": c.percent,
            }
            for c in message.classes
        ],
        "total": message.total,
        "complete": message.complete,
        "percent": message.percent,
    }


def reference(message: Any) -> dict[str, Any]:
    names = ("ethnic_groups", "provinces", "policy_categories", "disability_types", "guardian_relations")
    lists = {name: [{"code": e.code, "name": e.name} for e in getattr(message, name)] for name in names}
    lists["requirable_fields"] = [{"code": e.code, "name": e.name} for e in message.requirable_fields]
    return lists
