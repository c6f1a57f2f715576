"""Route access declarations (one per endpoint) and the default-deny check run before every request."""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import flask
from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from school_gateway.errors import GatewayError, wants_json
from school_gateway.i18n import gettext as _
from school_gateway.sessions import current_principal, pending_sign_in
from schoolkit.logging import get_logger

log = get_logger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__gateway_access__"
#: Anyone may call the endpoint, signed in or not (sign-in page, static files, probes, OpenAPI).
PUBLIC = "@public"
#: Any signed-in principal may call it, whatever their permissions (home page, sign-out).
AUTHENTICATED = "@authenticated"
_PERMISSION = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
_EXTENSION = "school_gateway.access"
_HIDDEN_METHODS = frozenset({"HEAD", "OPTIONS"})


def _declare(func: F, declaration: str) -> F:
    existing = func.__dict__.get(ATTRIBUTE)
    if existing is not None:
        # Two declarations on one view would make the effective rule depend on decorator order.
        raise TypeError(f"{func.__qualname__} already declares {existing!r}; a route declares exactly one access rule")
    setattr(func, ATTRIBUTE, declaration)
    # Put the rule into the OpenAPI operation too (flask-smorest reads _apidoc when the route is added).
    apidoc = deepcopy(getattr(func, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    manual["x-permission"] = declaration
    manual["security"] = [] if declaration == PUBLIC else [{"sessionCookie": []}]
    func._apidoc = apidoc  # type: ignore[attr-defined]
    return func


def permission(name: str) -> Callable[[F], F]:
    """Allow the view only to principals holding ``name`` (``<scope>:<resource>:<action>``).

    Place it directly under the route decorator (and above flask-smorest's argument/response
    decorators) so the declaration is recorded on the function that is registered.
    """
    if not _PERMISSION.match(name):
        raise ValueError(f"permission {name!r} is not <scope>:<resource>:<action>")

    def decorate(func: F) -> F:
        return _declare(func, name)

    return decorate


def public(func: F) -> F:
    """Allow the view to anyone, signed in or not."""
    return _declare(func, PUBLIC)


def authenticated(func: F) -> F:
    """Allow the view to any signed-in principal."""
    return _declare(func, AUTHENTICATED)


@dataclass(frozen=True)
class RouteAccess:
    """One row of the route table: a URL rule, its methods, endpoint and access declaration (None: undeclared)."""

    rule: str
    methods: tuple[str, ...]
    endpoint: str
    permission: str | None


class AccessRegistry:
    """Declarations per endpoint: decorators on view functions, plus endpoints owned by libraries.

    Library endpoints (Flask's ``static``, flask-smorest's OpenAPI document) cannot be decorated,
    so the app declares them here by name.
    """

    def __init__(self) -> None:
        self._named: dict[str, str] = {}

    def declare(self, endpoint: str, declaration: str) -> None:
        if endpoint in self._named:
            raise ValueError(f"endpoint {endpoint!r} is already declared")
        if declaration not in (PUBLIC, AUTHENTICATED) and not _PERMISSION.match(declaration):
            raise ValueError(f"invalid declaration {declaration!r}")
        self._named[endpoint] = declaration

    def lookup(self, app: flask.Flask, endpoint: str | None, method: str) -> str | None:
        if endpoint is None:
            return None
        if endpoint in self._named:
            return self._named[endpoint]
        view = app.view_functions.get(endpoint)
        if view is None:
            return None
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            # Class-based views may declare per HTTP method; HEAD follows GET as Flask does.
            verb = "get" if method == "HEAD" else method.lower()
            declared = getattr(getattr(view_class, verb, None), ATTRIBUTE, None)
            if declared is not None:
                return str(declared)
        declared = getattr(view, ATTRIBUTE, None)
        return None if declared is None else str(declared)

    def table(self, app: flask.Flask) -> list[RouteAccess]:
        rows: list[RouteAccess] = []
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            methods = tuple(sorted(m for m in (rule.methods or ()) if m not in _HIDDEN_METHODS))
            per_method = {m: self.lookup(app, rule.endpoint, m) for m in methods}
            if len(set(per_method.values())) <= 1:
                rows.append(RouteAccess(rule.rule, methods, rule.endpoint, next(iter(per_method.values()), None)))
            else:
                rows.extend(RouteAccess(rule.rule, (m,), rule.endpoint, d) for m, d in per_method.items())
        return rows


def registry(app: flask.Flask | None = None) -> AccessRegistry:
    target = app if app is not None else current_app
    reg = target.extensions.get(_EXTENSION)
    if reg is None:
        reg = target.extensions[_EXTENSION] = AccessRegistry()
    return reg


def route_table(app: flask.Flask) -> list[RouteAccess]:
    """Every (rule, methods, endpoint, declaration) of ``app``; tests assert none is undeclared."""
    return registry(app).table(app)


def undeclared_routes(app: flask.Flask) -> list[RouteAccess]:
    return [row for row in route_table(app) if row.permission is None]


def safe_next(target: str | None) -> str | None:
    """Accept only same-site relative paths as a post-sign-in destination (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_origin() -> None:
    """Refuse state-changing requests that a browser says came from another site.

    Browsers send Origin on every POST; API clients usually send none and rely on the CSRF token
    alone. This replaces Flask-WTF's HTTPS Referer check, which would refuse API clients that
    send no Referer, with the same protection for browsers.
    """
    if request.method not in _STATE_CHANGING:
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return
    # Host only, not scheme: behind a TLS-terminating proxy the gateway itself sees plain http.
    if urlsplit(origin).netloc.lower() != request.host.lower():
        log.warning("csrf.cross_origin", origin=origin[:100], endpoint=request.endpoint)
        raise CSRFError(_("This form has expired or did not come from this site. Reload the page and try again."))


def enforce_access() -> ResponseReturnValue | None:
    """Default deny: run before every request, after routing and before CSRF and the view."""
    if request.routing_exception is not None:
        # 404 and 405 (including method swaps such as PUT on a GET route) are answered by Flask
        # without ever reaching a view.
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    declaration = registry(app).lookup(app, request.endpoint, request.method)
    if declaration is None:
        log.error("authz.undeclared_endpoint", endpoint=request.endpoint, method=request.method)
        raise GatewayError(403, "permission_denied", _("You do not have permission to open this page."))
    if declaration == PUBLIC:
        return None
    principal = current_principal()
    if principal is None:
        if wants_json():
            raise GatewayError(401, "unauthenticated", _("Please sign in to continue."))
        pending = pending_sign_in()
        if pending is not None:
            # A sign-in waits for a password change or a second factor: that step cannot be
            # skipped by opening another page, so every protected page leads back to it.
            return flask.redirect(flask.url_for(pending.endpoint))
        signin = app.config.get("SIGNIN_ENDPOINT", "core.signin")
        path = request.full_path.rstrip("?") if request.method == "GET" else None
        return flask.redirect(flask.url_for(signin, next=safe_next(path)))
    if declaration == AUTHENTICATED or principal.has(declaration):
        return None
    log.warning(
        "authz.denied", user_id=principal.user_id, endpoint=request.endpoint, method=request.method, needs=declaration
    )
    raise GatewayError(403, "permission_denied", _("You do not have permission to open this page."))
