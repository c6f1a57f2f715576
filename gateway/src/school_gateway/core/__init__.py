"""The core plugin: sign-in and sign-out (pages and JSON), the home page and the session/me API; upstream identity."""

from __future__ import annotations

from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school_gateway.core import api, views
from school_gateway.errors import N_
from school_gateway.plugins import MenuEntry, Plugin, Upstream

IDENTITY = Upstream.from_descriptor(
    "identity", "IDENTITY_GRPC_ADDR", identity_pb2.DESCRIPTOR, "IdentityService", identity_pb2_grpc.IdentityServiceStub
)

plugin = Plugin(
    name="core",
    blueprints=[views.bp],
    api_blueprints=[api.blp],
    menu=[MenuEntry(N_("Home"), "core.dashboard", None, "nav-home")],
    upstreams=[IDENTITY],
)
