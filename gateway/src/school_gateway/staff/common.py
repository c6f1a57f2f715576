"""What the staff pages and API share: who may see or write the citizen id, and the step-up rule for exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from school_gateway.errors import GatewayError
from school_gateway.i18n import gettext as _
from school_gateway.identity.guards import me, step_up_required
from school_gateway.principal import Principal

SENSITIVE = "identity:staff:read_sensitive"
__all__ = ["SENSITIVE", "export_refusal", "may_see_sensitive", "me", "refuse_sensitive_input"]


def may_see_sensitive(principal: Principal) -> bool:
    return principal.has(SENSITIVE)


def refuse_sensitive_input(data: Mapping[str, Any], principal: Principal) -> None:
    """Only holders of the capability may write the citizen id (no mass assignment around S3)."""
    if "citizen_id" in data and not may_see_sensitive(principal):
        message = _("You may not enter citizen IDs.")
        raise GatewayError(403, "permission_denied", message, {"citizen_id": message})


def export_refusal(principal: Principal, include_sensitive: bool) -> GatewayError | None:
    """Why an export with citizen ids may not run now (no capability, or no fresh step-up); None when it may."""
    if not include_sensitive:
        return None
    if not may_see_sensitive(principal):
        return GatewayError(403, "permission_denied", _("You may not export citizen IDs."))
    if not principal.stepped_up():
        return step_up_required()
    return None
