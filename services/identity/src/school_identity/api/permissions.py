"""The permission every RPC of identity's three services requires (default deny: a method missing
here cannot be called, and the authorization test fails for it)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from school_identity.domain import roles as p

# Only the gateway may present a user's password, session id or sign-in challenge.
SESSION_MANAGE = "identity:session:manage"

IDENTITY = "school.identity.v1.IdentityService"
STAFF = "school.identity.v1.StaffService"
ACCESS = "school.identity.v1.AccessService"

METHOD_PERMISSIONS: Mapping[str, str] = MappingProxyType(
    {
        f"/{IDENTITY}/Login": SESSION_MANAGE,
        f"/{IDENTITY}/ContinueLogin": SESSION_MANAGE,
        f"/{IDENTITY}/ValidateSession": SESSION_MANAGE,
        f"/{IDENTITY}/Logout": SESSION_MANAGE,
        f"/{IDENTITY}/StepUp": SESSION_MANAGE,
        f"/{IDENTITY}/GetMe": p.ME_READ,
        f"/{IDENTITY}/ChangePassword": p.ME_WRITE,
        f"/{IDENTITY}/StartMfaEnrolment": p.ME_WRITE,
        f"/{IDENTITY}/ConfirmMfaEnrolment": p.ME_WRITE,
        f"/{IDENTITY}/DisableMfa": p.ME_WRITE,
        f"/{IDENTITY}/ResetPassword": p.ACCOUNT_WRITE,
        f"/{IDENTITY}/SetAccountActive": p.ACCOUNT_WRITE,
        f"/{IDENTITY}/ListAccounts": p.ACCOUNT_READ,
        # Staff records: a person may read their own record and correct its contact fields.
        f"/{STAFF}/CreateStaff": p.STAFF_WRITE,
        f"/{STAFF}/UpdateStaff": p.STAFF_WRITE,
        f"/{STAFF}/UpdateOwnContact": p.ME_WRITE,
        f"/{STAFF}/GetStaff": p.ME_READ,  # + identity:staff:read for someone else's record
        f"/{STAFF}/ListStaff": p.STAFF_READ,
        f"/{STAFF}/ImportStaff": p.STAFF_IMPORT,
        f"/{STAFF}/ExportStaff": p.STAFF_EXPORT,  # + read_sensitive and a step-up for citizen ids
        f"/{STAFF}/CreateDepartment": p.DEPARTMENT_WRITE,
        f"/{STAFF}/ListDepartments": p.STAFF_READ,
        f"/{STAFF}/SetDepartmentGrades": p.DEPARTMENT_WRITE,
        f"/{ACCESS}/ListRoles": p.ROLE_READ,
        f"/{ACCESS}/ListPermissions": p.ROLE_READ,
        f"/{ACCESS}/SetRolePermissions": p.ROLE_WRITE,
        f"/{ACCESS}/GrantAssignment": p.ASSIGNMENT_WRITE,
        f"/{ACCESS}/EndAssignment": p.ASSIGNMENT_WRITE,
        f"/{ACCESS}/ListAssignments": p.ME_READ,  # + identity:assignment:read for anyone else's
        f"/{ACCESS}/ReviewAccounts": p.REVIEW_READ,
        f"/{ACCESS}/RemindAccount": p.REVIEW_READ,
        f"/{ACCESS}/ListAuditEvents": p.AUDIT_READ,
        f"/{ACCESS}/ExportAuditEvents": p.AUDIT_EXPORT,  # + a step-up
    }
)

# Called by the gateway with its own service token; every other method needs a person's token.
SERVICE_METHODS = frozenset(m for m, perm in METHOD_PERMISSIONS.items() if perm == SESSION_MANAGE)
