"""gRPC servicer for school.identity.v1.AccessService (roles, assignments, account review, audit log)."""

from __future__ import annotations

import grpc

from school.identity.v1 import access_pb2, access_pb2_grpc
from school_identity.api.base import BaseServicer, iso, timestamp
from school_identity.api.permissions import ACCESS
from school_identity.app import access, audit
from school_identity.app.access import AssignmentView, RoleView
from school_identity.app.audit import AuditFilter, detail_text, outcome_text
from school_identity.domain.roles import ScopeKind

SCOPE_TO_PROTO = {
    ScopeKind.NONE: access_pb2.SCOPE_KIND_UNSPECIFIED,
    ScopeKind.SCHOOL: access_pb2.SCOPE_KIND_SCHOOL,
    ScopeKind.DEPARTMENT: access_pb2.SCOPE_KIND_DEPARTMENT,
    ScopeKind.CLASS: access_pb2.SCOPE_KIND_CLASS,
    ScopeKind.CLASS_SUBJECT: access_pb2.SCOPE_KIND_CLASS_SUBJECT,
}
FINDING_TO_PROTO = {
    "NEVER_USED": access_pb2.FINDING_KIND_NEVER_USED,
    "INACTIVE": access_pb2.FINDING_KIND_INACTIVE,
    "PASSWORD_OLD": access_pb2.FINDING_KIND_PASSWORD_OLD,
    "MFA_MISSING": access_pb2.FINDING_KIND_MFA_MISSING,
    "ROLE_WITHOUT_ASSIGNMENT": access_pb2.FINDING_KIND_ROLE_WITHOUT_ASSIGNMENT,
}
FINDING_FROM_PROTO = {v: k for k, v in FINDING_TO_PROTO.items()}


def role_message(view: RoleView) -> access_pb2.Role:
    return access_pb2.Role(
        code=view.code,
        name=view.name,
        permissions=sorted(view.permissions),
        mfa_required=view.mfa_required,
        scope_kind=SCOPE_TO_PROTO[view.scope_kind],
        year_scoped=view.year_scoped,
    )


def assignment_message(view: AssignmentView) -> access_pb2.Assignment:
    a = view.assignment
    return access_pb2.Assignment(
        assignment_id=a.id,
        user_id=a.account_id,
        full_name=view.full_name,
        role=a.role,
        school_year_id=a.school_year_id,
        scope_kind=SCOPE_TO_PROTO.get(ScopeKind(a.scope_kind), access_pb2.SCOPE_KIND_UNSPECIFIED),
        department_id=a.department_id,
        class_id=a.class_id,
        subject_code=a.subject_code,
        starts_on=iso(a.starts_on),
        ends_on=iso(a.ends_on),
        ended_at=timestamp(a.ended_at),
        granted_by=a.granted_by,
    )


def _filter(request: access_pb2.ListAuditEventsRequest) -> AuditFilter:
    return AuditFilter(
        person=request.person, action=request.action, from_date=request.from_date, to_date=request.to_date
    )


class AccessServicer(BaseServicer, access_pb2_grpc.AccessServiceServicer):
    SERVICE_NAME = ACCESS

    def register(self, server: grpc.Server) -> str:
        access_pb2_grpc.add_AccessServiceServicer_to_server(self, server)
        return ACCESS

    def ListRoles(
        self, request: access_pb2.ListRolesRequest, context: grpc.ServicerContext
    ) -> access_pb2.ListRolesResponse:
        actor = self._require("ListRoles")
        with self._translated("ListRoles", context):
            roles = access.list_roles(actor, self._deps)
        return access_pb2.ListRolesResponse(roles=[role_message(r) for r in roles])

    def ListPermissions(
        self, request: access_pb2.ListPermissionsRequest, context: grpc.ServicerContext
    ) -> access_pb2.ListPermissionsResponse:
        self._require("ListPermissions")
        return access_pb2.ListPermissionsResponse(
            permissions=[access_pb2.Permission(name=n, description=d) for n, d in access.list_permissions()]
        )

    def SetRolePermissions(
        self, request: access_pb2.SetRolePermissionsRequest, context: grpc.ServicerContext
    ) -> access_pb2.SetRolePermissionsResponse:
        actor = self._require("SetRolePermissions")
        with self._translated("SetRolePermissions", context):
            view = access.set_role_permissions(
                actor, request.role, list(request.permissions), request.reason, self._deps
            )
        return access_pb2.SetRolePermissionsResponse(role=role_message(view))

    def GrantAssignment(
        self, request: access_pb2.GrantAssignmentRequest, context: grpc.ServicerContext
    ) -> access_pb2.GrantAssignmentResponse:
        actor = self._require("GrantAssignment")
        with self._translated("GrantAssignment", context):
            view = access.grant_assignment(
                actor,
                user_id=request.user_id,
                role=request.role,
                school_year_id=request.school_year_id,
                department_id=request.department_id,
                class_id=request.class_id,
                subject_code=request.subject_code,
                starts_on=request.starts_on,
                ends_on=request.ends_on,
                deps=self._deps,
            )
        return access_pb2.GrantAssignmentResponse(assignment=assignment_message(view))

    def EndAssignment(
        self, request: access_pb2.EndAssignmentRequest, context: grpc.ServicerContext
    ) -> access_pb2.EndAssignmentResponse:
        actor = self._require("EndAssignment")
        with self._translated("EndAssignment", context):
            view = access.end_assignment(actor, request.assignment_id, request.reason, self._deps)
        return access_pb2.EndAssignmentResponse(assignment=assignment_message(view))

    def ListAssignments(
        self, request: access_pb2.ListAssignmentsRequest, context: grpc.ServicerContext
    ) -> access_pb2.ListAssignmentsResponse:
        actor = self._require("ListAssignments")
        with self._translated("ListAssignments", context):
            page = access.list_assignments(
                actor,
                user_id=request.user_id,
                school_year_id=request.school_year_id,
                include_ended=request.include_ended,
                page_size=request.page_size,
                page_token=request.page_token,
                deps=self._deps,
            )
        return access_pb2.ListAssignmentsResponse(
            assignments=[assignment_message(v) for v in page.items], next_page_token=page.next_token
        )

    def ReviewAccounts(
        self, request: access_pb2.ReviewAccountsRequest, context: grpc.ServicerContext
    ) -> access_pb2.ReviewAccountsResponse:
        actor = self._require("ReviewAccounts")
        with self._translated("ReviewAccounts", context):
            found = access.review_accounts(actor, request.inactive_days, request.password_max_age_days, self._deps)
        return access_pb2.ReviewAccountsResponse(
            findings=[
                access_pb2.Finding(
                    user_id=f.account.id,
                    username=f.account.username,
                    full_name=f.account.full_name,
                    kind=FINDING_TO_PROTO[f.kind.value],
                    detail=f.detail,
                    last_reminded_at=timestamp(reminded),
                )
                for f, reminded in found
            ]
        )

    def RemindAccount(
        self, request: access_pb2.RemindAccountRequest, context: grpc.ServicerContext
    ) -> access_pb2.RemindAccountResponse:
        actor = self._require("RemindAccount")
        with self._translated("RemindAccount", context):
            at = access.remind_account(actor, request.user_id, FINDING_FROM_PROTO.get(request.kind, ""), self._deps)
        return access_pb2.RemindAccountResponse(reminded_at=timestamp(at))

    def ListAuditEvents(
        self, request: access_pb2.ListAuditEventsRequest, context: grpc.ServicerContext
    ) -> access_pb2.ListAuditEventsResponse:
        actor = self._require("ListAuditEvents")
        with self._translated("ListAuditEvents", context):
            page = audit.list_audit_events(actor, _filter(request), request.page_size, request.page_token, self._deps)
        return access_pb2.ListAuditEventsResponse(
            events=[
                access_pb2.AuditEvent(
                    id=r.id,
                    at=timestamp(r.entry.at),
                    actor=r.entry.actor,
                    actor_username=r.actor_username,
                    action=r.entry.action,
                    outcome=outcome_text(r.entry.outcome),
                    target=r.entry.target,
                    ip=r.entry.ip,
                    request_id=r.entry.request_id,
                    detail=detail_text(r),
                )
                for r in page.items
            ],
            next_page_token=page.next_token,
        )

    def ExportAuditEvents(
        self, request: access_pb2.ExportAuditEventsRequest, context: grpc.ServicerContext
    ) -> access_pb2.ExportAuditEventsResponse:
        actor = self._require("ExportAuditEvents")
        with self._translated("ExportAuditEvents", context):
            data, filename = audit.export_audit_events(actor, _filter(request.filter), self._deps)
        return access_pb2.ExportAuditEventsResponse(workbook=data, filename=filename)
