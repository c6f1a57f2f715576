"""The plugin contract and its discovery through the ``school.gateway.plugins`` entry-point group."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import grpc

from school_gateway.config import Settings

ENTRY_POINT_GROUP = "school.gateway.plugins"

#: Methods that may be retried on UNAVAILABLE: reads only (a retried write could apply twice).
#: Exports are reads too but are audited one entry per call, so they are not retried.
_IDEMPOTENT_PREFIXES = ("Get", "List")
_IDEMPOTENT_EXTRA = frozenset({"ValidateSession", "ReviewAccounts"})


class PluginError(RuntimeError):
    """An enabled plugin is missing, broken or inconsistent; the gateway refuses to start."""

    def __init__(self, plugin: str, problem: str):
        self.plugin = plugin
        super().__init__(f"gateway plugin {plugin!r}: {problem}")


@dataclass(frozen=True)
class MenuEntry:
    """One link in the main menu, shown only to principals holding ``permission`` (None: anyone signed in)
    and, when ``scopes`` is given, having an assignment of one of those kinds ("school", "class",
    "child", ...): a parent and a teacher may hold the same permission for different objects."""

    label: str  # English msgid, translated when the menu is rendered
    endpoint: str
    permission: str | None = None
    testid: str = ""
    scopes: tuple[str, ...] = ()

    def visible_to(self, permissions: frozenset[str], scopes: frozenset[str]) -> bool:
        if self.permission is not None and self.permission not in permissions:
            return False
        if not self.scopes:
            return True
        return any(scope.partition(":")[0] in self.scopes for scope in scopes)


@dataclass(frozen=True)
class DashboardCard:
    """A figure on the home page (e.g. the number of classes), computed for the current principal."""

    label: str  # English msgid
    value: str
    endpoint: str | None = None
    testid: str = ""


@dataclass(frozen=True)
class Upstream:
    """A gRPC service a plugin talks to: how to reach it, who it is, and what may be retried.

    ``name`` is also the token audience the service verifies (e.g. "students"), unless
    ``audience`` says otherwise: one server may host several services under one audience (identity
    serves IdentityService, StaffService and AccessService), each then being its own upstream
    ("identity", "identity.staff", "identity.access") with audience "identity".
    """

    name: str
    address_variable: str
    service: str
    stub: Callable[[grpc.Channel], Any]
    idempotent: tuple[str, ...] = ()
    audience: str = ""

    @property
    def token_audience(self) -> str:
        return self.audience or self.name

    @classmethod
    def from_descriptor(
        cls,
        name: str,
        address_variable: str,
        file_descriptor: Any,
        service_name: str,
        stub: Callable[[grpc.Channel], Any],
        audience: str = "",
    ) -> Upstream:
        """Build the spec from the generated descriptor; Get*/List* and a few named reads are the idempotent methods."""
        service = file_descriptor.services_by_name[service_name]
        idempotent = tuple(
            m.name for m in service.methods if m.name.startswith(_IDEMPOTENT_PREFIXES) or m.name in _IDEMPOTENT_EXTRA
        )
        return cls(name, address_variable, service.full_name, stub, idempotent, audience)


@dataclass(frozen=True)
class Plugin:
    """What a plugin brings to the gateway. Built-in plugins and third-party packages use the same type.

    ``blueprints`` hold server-rendered pages, ``api_blueprints`` are flask-smorest blueprints
    mounted into the OpenAPI document. Every view must carry one access declaration
    (``@permission``, ``@authenticated`` or ``@public`` from :mod:`school_gateway.authz`).
    """

    name: str
    blueprints: Sequence[flask.Blueprint] = ()
    api_blueprints: Sequence[flask.Blueprint] = ()
    menu: Sequence[MenuEntry] = ()
    upstreams: Sequence[Upstream] = ()
    dashboard: Callable[[], Sequence[DashboardCard]] | None = None
    translations: Path | None = None
    init: Callable[[flask.Flask], None] | None = field(default=None, repr=False)

    @property
    def address_variables(self) -> tuple[str, ...]:
        return tuple(u.address_variable for u in self.upstreams)


def entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """Installed entry points of the plugin group (a separate function so tests can substitute it)."""
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def load_plugins(settings: Settings) -> list[Plugin]:
    """Import every plugin named in GATEWAY_PLUGINS, in that order; any problem stops start-up."""
    available = {ep.name: ep for ep in entry_points()}
    if "core" not in settings.plugins:
        raise PluginError("core", "must be enabled (it provides sign-in and the home page); add it to GATEWAY_PLUGINS")
    plugins: list[Plugin] = []
    for name in settings.plugins:
        ep = available.get(name)
        if ep is None:
            known = ", ".join(sorted(available)) or "none"
            raise PluginError(name, f"no entry point in group {ENTRY_POINT_GROUP!r} (installed: {known})")
        try:
            obj = ep.load()
        # Whatever breaks inside a plugin's import is reported with the plugin's name.
        except Exception as exc:
            raise PluginError(name, f"cannot import {ep.value}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(obj, Plugin):
            raise PluginError(name, f"{ep.value} is a {type(obj).__name__}, not a school_gateway.plugins.Plugin")
        if obj.name != name:
            raise PluginError(
                name, f"{ep.value} calls itself {obj.name!r}; the entry point and plugin names must match"
            )
        missing = [v for v in obj.address_variables if not settings.addr(v)]
        if missing:
            raise PluginError(name, f"needs the upstream address variable(s) {', '.join(missing)}")
        plugins.append(obj)
    return plugins


EXTENSION = "school_gateway.plugins"


def enabled_plugins(app: flask.Flask | None = None) -> list[Plugin]:
    """The plugins this app was built with, in GATEWAY_PLUGINS order."""
    target = app if app is not None else flask.current_app
    return list(target.extensions.get(EXTENSION, ()))
