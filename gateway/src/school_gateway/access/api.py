"""The access plugin's JSON API: roles and permissions, assignments (phân công), accounts, the account review
and the audit log. identity audits and publishes every change; the gateway checks the coarse permission."""

from __future__ import annotations

from typing import Any

import flask

from school.identity.v1 import access_pb2, identity_pb2
from school_gateway.access.common import audit_filter, grant_request
from school_gateway.access.schemas import (
    AccountListArgs,
    AccountListSchema,
    AssignmentListArgs,
    AssignmentListSchema,
    AuditArgs,
    AuditExportSchema,
    AuditPageSchema,
    GrantSchema,
    PermissionListSchema,
    ReasonSchema,
    RemindResponseSchema,
    RemindSchema,
    ResetPasswordResponseSchema,
    ReviewArgs,
    ReviewSchema,
    RoleListSchema,
    SetActiveSchema,
    SetRolePermissionsSchema,
)
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.identity import convert
from school_gateway.identity.guards import me, step_up_refusal
from school_gateway.identity.schemas import AccountSchema, AssignmentSchema, RoleSchema
from school_gateway.schemas import timestamp
from school_gateway.upstream import stub
from school_gateway.workbooks import XLSX_MIMETYPE, send_workbook

blp = ApiBlueprint(
    "access_api",
    __name__,
    url_prefix="/api/v1",
    description="Roles and permissions, assignments, accounts, the account review and the audit log (identity).",
)


def access() -> Any:
    return stub("identity.access")


# --- Roles ------------------------------------------------------------------------------------------------


@blp.route("/roles", methods=["GET"])
@permission("identity:role:read")
@blp.response(200, RoleListSchema)
def list_roles() -> dict[str, Any]:
    """The school's roles with their permissions, in the order of the organisation chart."""
    answer = access().ListRoles(access_pb2.ListRolesRequest())
    return {"items": [convert.role(r) for r in answer.roles]}


@blp.route("/permissions", methods=["GET"])
@permission("identity:role:read")
@blp.response(200, PermissionListSchema)
def list_permissions() -> dict[str, Any]:
    """The catalogue of permissions a role may hold."""
    answer = access().ListPermissions(access_pb2.ListPermissionsRequest())
    return {"items": [convert.permission(p) for p in answer.permissions]}


@blp.route("/roles/<id:role>/permissions", methods=["PUT"])
@permission("identity:role:write")
@blp.arguments(SetRolePermissionsSchema)
@blp.response(200, RoleSchema)
@blp.alt_response(409, response="CONFLICT")
def set_role_permissions(body: dict[str, Any], role: str) -> dict[str, Any]:
    """Replace a role's permissions, with a reason (409 when it would break a separation-of-duties rule)."""
    answer = access().SetRolePermissions(
        access_pb2.SetRolePermissionsRequest(role=role, permissions=body["permissions"], reason=body["reason"])
    )
    return convert.role(answer.role)


# --- Assignments ---------------------------------------------------------------------------------------------


@blp.route("/assignments", methods=["GET"])
@permission("identity:assignment:read")
@blp.arguments(AssignmentListArgs, location="query")
@blp.response(200, AssignmentListSchema)
def list_assignments(args: dict[str, Any]) -> dict[str, Any]:
    """Assignments (phân công), current ones first; filter by person and school year."""
    answer = access().ListAssignments(
        access_pb2.ListAssignmentsRequest(
            user_id=args["user_id"],
            school_year_id=args["school_year_id"],
            include_ended=args["include_ended"],
            page_size=args["page_size"],
            page_token=args["page_token"],
        )
    )
    return {"items": [convert.assignment(a) for a in answer.assignments], "next_page_token": answer.next_page_token}


@blp.route("/assignments", methods=["POST"])
@permission("identity:assignment:write")
@blp.arguments(GrantSchema)
@blp.response(201, AssignmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def grant_assignment(body: dict[str, Any]) -> dict[str, Any]:
    """Give a person a role in a school year and, as the role needs, a subject group, a class or a class subject."""
    answer = access().GrantAssignment(grant_request(body))
    return convert.assignment(answer.assignment)


@blp.route("/assignments/<id:assignment_id>/end", methods=["POST"])
@permission("identity:assignment:write")
@blp.arguments(ReasonSchema)
@blp.response(200, AssignmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def end_assignment(body: dict[str, Any], assignment_id: str) -> dict[str, Any]:
    """End an assignment today, with a reason."""
    answer = access().EndAssignment(access_pb2.EndAssignmentRequest(assignment_id=assignment_id, reason=body["reason"]))
    return convert.assignment(answer.assignment)


# --- Accounts ----------------------------------------------------------------------------------------------------


@blp.route("/accounts", methods=["GET"])
@permission("identity:account:read")
@blp.arguments(AccountListArgs, location="query")
@blp.response(200, AccountListSchema)
def list_accounts(args: dict[str, Any]) -> dict[str, Any]:
    """The school's sign-in accounts by username; q searches username and name."""
    answer = stub("identity").ListAccounts(
        identity_pb2.ListAccountsRequest(query=args["q"], page_size=args["page_size"], page_token=args["page_token"])
    )
    return {"items": [convert.account(a) for a in answer.accounts], "next_page_token": answer.next_page_token}


@blp.route("/accounts/<id:user_id>/active", methods=["POST"])
@permission("identity:account:write")
@blp.arguments(SetActiveSchema)
@blp.response(200, AccountSchema)
@blp.alt_response(404, response="NOT_FOUND")
def set_account_active(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Disable (ending every session of the person at once) or enable an account, with a reason."""
    answer = stub("identity").SetAccountActive(
        identity_pb2.SetAccountActiveRequest(user_id=user_id, active=body["active"], reason=body["reason"])
    )
    return convert.account(answer.account)


@blp.route("/accounts/<id:user_id>/reset-password", methods=["POST"])
@permission("identity:account:write")
@blp.arguments(ReasonSchema)
@blp.response(200, ResetPasswordResponseSchema)
@blp.alt_response(404, response="NOT_FOUND")
def reset_password(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Replace the password by a one-time code (shown once); the person must change it, and MFA still applies."""
    answer = stub("identity").ResetPassword(identity_pb2.ResetPasswordRequest(user_id=user_id, reason=body["reason"]))
    return {"one_time_code": answer.one_time_code, "expires_at": timestamp(answer, "expires_at")}


# --- Review ----------------------------------------------------------------------------------------------------------


@blp.route("/account-review", methods=["GET"])
@permission("identity:review:read")
@blp.arguments(ReviewArgs, location="query")
@blp.response(200, ReviewSchema)
def review_accounts(args: dict[str, Any]) -> dict[str, Any]:
    """Accounts needing attention: never used, inactive, old password, MFA missing, role without assignment."""
    answer = access().ReviewAccounts(
        access_pb2.ReviewAccountsRequest(
            inactive_days=args["inactive_days"], password_max_age_days=args["password_max_age_days"]
        )
    )
    return {"items": [convert.finding(f) for f in answer.findings]}


@blp.route("/account-review/remind", methods=["POST"])
@permission("identity:review:read")
@blp.arguments(RemindSchema)
@blp.response(200, RemindResponseSchema)
def remind_account(body: dict[str, Any]) -> dict[str, Any]:
    """Send the account holder a reminder about one finding (recorded, and delivered by messaging)."""
    answer = access().RemindAccount(
        access_pb2.RemindAccountRequest(user_id=body["user_id"], kind=convert.finding_kind_to_proto(body["kind"]))
    )
    return {"reminded_at": timestamp(answer, "reminded_at")}


# --- Audit log ------------------------------------------------------------------------------------------


@blp.route("/audit-events", methods=["GET"])
@permission("identity:audit:read")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPageSchema)
def list_audit_events(args: dict[str, Any]) -> dict[str, Any]:
    """The append-only audit log, newest first; filter by person, action prefix and dates (inclusive)."""
    request = audit_filter(args)
    request.page_size = args["page_size"]
    request.page_token = args["page_token"]
    answer = access().ListAuditEvents(request)
    return {"items": [convert.audit_event(e) for e in answer.events], "next_page_token": answer.next_page_token}


@blp.route("/audit-events/export", methods=["POST"])
@permission("identity:audit:export")
@blp.arguments(AuditExportSchema)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
@blp.alt_response(403, response="FORBIDDEN")
def export_audit_events(body: dict[str, Any]) -> flask.Response:
    """The filtered audit log as .xlsx; needs a fresh step-up (POST /api/v1/auth/step-up). Audited itself."""
    refusal = step_up_refusal(me())
    if refusal is not None:
        raise refusal
    answer = access().ExportAuditEvents(access_pb2.ExportAuditEventsRequest(filter=audit_filter(body)))
    return send_workbook(answer.workbook, answer.filename, "nhat-ky-he-thong")
