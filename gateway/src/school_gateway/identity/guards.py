"""Checks the identity-backed pages and API share: the signed-in principal, and the step-up rule for bulk exports."""

from __future__ import annotations

from school_gateway.errors import GatewayError
from school_gateway.i18n import gettext as _
from school_gateway.principal import Principal
from school_gateway.sessions import current_principal

STEP_UP_REQUIRED = "step_up_required"


def me() -> Principal:
    """The signed-in principal (views behind @permission/@authenticated always have one)."""
    principal = current_principal()
    if principal is None:  # enforce_access has already refused anonymous callers
        raise GatewayError(401, "unauthenticated", _("Please sign in to continue."))
    return principal


def step_up_required() -> GatewayError:
    """Bulk exports need a fresh second-factor check (quality bar S8); the gateway asks before identity does."""
    return GatewayError(
        403,
        STEP_UP_REQUIRED,
        _("Confirm with a code from your authenticator app first (POST /api/v1/auth/step-up), then try again."),
    )


def step_up_refusal(principal: Principal) -> GatewayError | None:
    return None if principal.stepped_up() else step_up_required()
