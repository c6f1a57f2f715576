"""The core plugin: sign-in with its steps (new password, TOTP enrolment, TOTP/recovery code), sign-out,
step-up, the home page, "Tài khoản của tôi" and the session/me API; upstream identity (all three services)."""

from __future__ import annotations

from school_gateway.core import api, views
from school_gateway.errors import N_
from school_gateway.identity import IDENTITY, IDENTITY_ACCESS, IDENTITY_STAFF
from school_gateway.plugins import MenuEntry, Plugin

plugin = Plugin(
    name="core",
    blueprints=[views.bp],
    api_blueprints=[api.blp],
    menu=[
        MenuEntry(N_("Home"), "core.dashboard", None, "nav-home"),
        MenuEntry(N_("My account"), "core.account", None, "nav-account"),
    ],
    # The account page shows the person's own staff record and assignments, hence all three.
    upstreams=[IDENTITY, IDENTITY_STAFF, IDENTITY_ACCESS],
)

__all__ = ["IDENTITY", "plugin"]
