"""identity's messages (staff records, assignments, accounts, roles, findings, audit entries) ⇄ the gateway's
dictionaries, and the names pages show for identity's codes.

Shared by the core plugin (the account page), the staff plugin (hồ sơ CBGVNV) and the access plugin
(phân quyền, rà soát, nhật ký). Codes stay as identity defines them; labels are English msgids
translated when shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from school.identity.v1 import access_pb2, staff_pb2
from school_gateway.errors import N_, translate
from school_gateway.schemas import iso_date, timestamp

#: Staff positions (chức vụ) as identity codes them.
POSITIONS: Mapping[str, str] = {
    "HT": N_("Principal"),
    "PHT": N_("Vice principal"),
    "GV": N_("Teacher"),
    "NV": N_("Staff member"),
}

EMPLOYMENT_STATUSES: Mapping[str, str] = {
    "active": N_("Working"),
    "on_leave": N_("On long leave"),
    "transferred": N_("Transferred"),
    "left": N_("Retired or left"),
}
_EMPLOYMENT_OUT = {
    staff_pb2.EMPLOYMENT_STATUS_ACTIVE: "active",
    staff_pb2.EMPLOYMENT_STATUS_ON_LEAVE: "on_leave",
    staff_pb2.EMPLOYMENT_STATUS_TRANSFERRED: "transferred",
    staff_pb2.EMPLOYMENT_STATUS_LEFT: "left",
}
_EMPLOYMENT_IN = {v: k for k, v in _EMPLOYMENT_OUT.items()}

GENDERS: Mapping[str, str] = {"male": N_("Male"), "female": N_("Female")}

#: Names of the staff-record fields, for forms, import errors and the "missing" badge.
STAFF_FIELDS: Mapping[str, str] = {
    "staff_code": N_("Staff code"),
    "full_name": N_("Full name"),
    "date_of_birth": N_("Date of birth"),
    "gender": N_("Gender"),
    "citizen_id": N_("Citizen ID (CCCD)"),
    "position": N_("Position"),
    "qualification": N_("Qualification"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "address": N_("Address"),
    "start_date": N_("Start date at the school"),
    "department_id": N_("Subject group"),
    "employment_status": N_("Employment status"),
}

SCOPE_KINDS: Mapping[str, str] = {
    "school": N_("Whole school"),
    "department": N_("Subject group"),
    "class": N_("Class"),
    "class_subject": N_("Subject in a class"),
}
_SCOPE_OUT = {
    access_pb2.SCOPE_KIND_SCHOOL: "school",
    access_pb2.SCOPE_KIND_DEPARTMENT: "department",
    access_pb2.SCOPE_KIND_CLASS: "class",
    access_pb2.SCOPE_KIND_CLASS_SUBJECT: "class_subject",
}

FINDING_KINDS: Mapping[str, str] = {
    "never_used": N_("Never signed in"),
    "inactive": N_("Not used for a long time"),
    "password_old": N_("Password too old"),
    "mfa_missing": N_("Two-factor authentication required but not set up"),
    "role_without_assignment": N_("Role without a current assignment"),
}
_FINDING_OUT = {
    access_pb2.FINDING_KIND_NEVER_USED: "never_used",
    access_pb2.FINDING_KIND_INACTIVE: "inactive",
    access_pb2.FINDING_KIND_PASSWORD_OLD: "password_old",
    access_pb2.FINDING_KIND_MFA_MISSING: "mfa_missing",
    access_pb2.FINDING_KIND_ROLE_WITHOUT_ASSIGNMENT: "role_without_assignment",
}
_FINDING_IN = {v: k for k, v in _FINDING_OUT.items()}

#: Subjects of the 2018 primary curriculum (CTGDPT 2018) by the codes assignments use.
SUBJECTS: Mapping[str, str] = {
    "TIENG_VIET": N_("Vietnamese"),
    "TOAN": N_("Mathematics"),
    "TIENG_ANH": N_("English"),
    # The programme's code (grades data/programme_*.json): usually English.
    "NGOAI_NGU_1": N_("Foreign language 1"),
    "DAO_DUC": N_("Ethics"),
    "TN_XH": N_("Nature and society"),
    "LS_DL": N_("History and geography"),
    "KHOA_HOC": N_("Science"),
    "TIN_HOC": N_("Informatics"),
    "CONG_NGHE": N_("Technology"),
    "GDTC": N_("Physical education"),
    "AM_NHAC": N_("Music"),
    "MI_THUAT": N_("Fine arts"),
    "HDTN": N_("Experiential activities"),
}


def label(table: Mapping[str, str], code: str) -> str:
    """The translated name of ``code`` in ``table``; unknown codes are shown as they are."""
    text = table.get(code)
    return translate(text) if text else code


def employment_to_proto(value: str) -> staff_pb2.EmploymentStatus:
    return _EMPLOYMENT_IN.get(value, staff_pb2.EMPLOYMENT_STATUS_UNSPECIFIED)


def finding_kind_to_proto(value: str) -> access_pb2.FindingKind:
    return _FINDING_IN.get(value, access_pb2.FINDING_KIND_UNSPECIFIED)


def staff_record(message: Any, *, show_sensitive: bool) -> dict[str, Any]:
    """A staff record for a page or the API. The citizen id is present only for holders of the capability.

    identity already leaves it empty for everyone else; dropping it here as well means a service
    mistake still cannot put it in front of the wrong person (quality bar S3).
    """
    missing = list(message.missing_fields)
    record: dict[str, Any] = {
        "id": message.staff_id,
        "staff_code": message.staff_code,
        "full_name": message.full_name,
        "date_of_birth": iso_date(message.date_of_birth),
        "gender": message.gender if message.gender in GENDERS else "",
        "position": message.position,
        "qualification": message.qualification,
        "phone": message.phone,
        "email": message.email,
        "address": message.address,
        "start_date": iso_date(message.start_date),
        "department_id": message.department_id,
        "employment_status": _EMPLOYMENT_OUT.get(message.employment_status, "unspecified"),
        "user_id": message.user_id,
        "missing_fields": missing,
        "complete": not missing,
        "version": message.version,
        "updated_at": timestamp(message, "updated_at"),
    }
    if show_sensitive:
        record["citizen_id"] = message.citizen_id
    return record


def staff_to_proto(data: Mapping[str, Any], *, staff_id: str = "", version: int = 0) -> staff_pb2.StaffRecord:
    """A record from a validated form or JSON body (fields the caller may not write are never read)."""

    def iso(name: str) -> str:
        value = data.get(name)
        return value.isoformat() if isinstance(value, dt.date) else ""

    return staff_pb2.StaffRecord(
        staff_id=staff_id,
        version=version,
        staff_code=data.get("staff_code", ""),
        full_name=data.get("full_name", ""),
        date_of_birth=iso("date_of_birth"),
        gender=data.get("gender", ""),
        citizen_id=data.get("citizen_id", ""),
        position=data.get("position", ""),
        qualification=data.get("qualification", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        address=data.get("address", ""),
        start_date=iso("start_date"),
        department_id=data.get("department_id", ""),
        employment_status=employment_to_proto(data.get("employment_status", "")),
    )


def department(message: Any) -> dict[str, Any]:
    return {"id": message.department_id, "name": message.name, "grade_levels": list(message.grade_levels)}


def assignment(message: Any, today: dt.date | None = None) -> dict[str, Any]:
    ends_on = iso_date(message.ends_on)
    ended_at = timestamp(message, "ended_at")
    day = today or dt.date.today()
    return {
        "id": message.assignment_id,
        "user_id": message.user_id,
        "full_name": message.full_name,
        "role": message.role,
        "school_year_id": message.school_year_id,
        "scope_kind": _SCOPE_OUT.get(message.scope_kind, "unspecified"),
        "department_id": message.department_id,
        "class_id": message.class_id,
        "subject_code": message.subject_code,
        "starts_on": iso_date(message.starts_on),
        "ends_on": ends_on,
        "ended_at": ended_at,
        "granted_by": message.granted_by,
        "current": ended_at is None and (ends_on is None or ends_on >= day),
    }


def account(message: Any) -> dict[str, Any]:
    return {
        "id": message.user_id,
        "username": message.username,
        "full_name": message.full_name,
        "active": message.active,
        "roles": list(message.roles),
        "mfa_enrolled": message.mfa_enrolled,
        "mfa_required": message.mfa_required,
        "last_login_at": timestamp(message, "last_login_at"),
        "password_changed_at": timestamp(message, "password_changed_at"),
        "must_change_password": message.must_change_password,
        "locked_until": timestamp(message, "locked_until"),
        "staff_id": message.staff_id,
    }


def role(message: Any) -> dict[str, Any]:
    return {
        "code": message.code,
        "name": message.name,
        "permissions": sorted(message.permissions),
        "mfa_required": message.mfa_required,
        "scope_kind": _SCOPE_OUT.get(message.scope_kind, "unspecified"),
        "year_scoped": message.year_scoped,
    }


def permission(message: Any) -> dict[str, Any]:
    return {"name": message.name, "description": message.description}


def finding(message: Any) -> dict[str, Any]:
    return {
        "user_id": message.user_id,
        "username": message.username,
        "full_name": message.full_name,
        "kind": _FINDING_OUT.get(message.kind, "unspecified"),
        "detail": message.detail,
        "last_reminded_at": timestamp(message, "last_reminded_at"),
    }


def audit_event(message: Any) -> dict[str, Any]:
    return {
        "id": message.id,
        "at": timestamp(message, "at"),
        "actor": message.actor,
        "actor_username": message.actor_username,
        "action": message.action,
        "outcome": message.outcome,
        "target": message.target,
        "ip": message.ip,
        "request_id": message.request_id,
        "detail": message.detail,
    }
