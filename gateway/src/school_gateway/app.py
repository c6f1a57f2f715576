"""The application factory: settings, plugins, access control, sessions, CSRF, languages, API and error handling.

gunicorn runs ``school_gateway.app:create_app()`` in each worker. Building the app opens no gRPC
channel (gRPC is not fork-safe); channels are created on first use inside the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask
from flask import request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from school_gateway import errors, i18n, observability, ops, workbooks
from school_gateway.api import OPENAPI_ENDPOINT, api_config, init_api
from school_gateway.authz import PUBLIC, check_origin, enforce_access, registry, undeclared_routes
from school_gateway.config import Settings, load_settings
from school_gateway.pages import can_open, role_label
from school_gateway.plugins import EXTENSION as PLUGINS_EXTENSION
from school_gateway.plugins import MenuEntry, Plugin, PluginError, load_plugins
from school_gateway.sessions import CACHE_EXTENSION, SessionCache, loaded_principal
from school_gateway.upstream import EXTENSION as UPSTREAMS_EXTENSION
from school_gateway.upstream import TOKEN_LIFETIME_S, Upstreams
from schoolkit.logging import configure_logging, get_logger
from schoolkit.tokens import TokenIssuer, load_private_key

log = get_logger(__name__)

SCHOOL_NAME = "Trường Tiểu học Trung Vương"
SETTINGS_EXTENSION = "school_gateway.settings"
PACKAGE_DIR = Path(__file__).parent
MAX_BODY_BYTES = 1024 * 1024
# A session lives at most 12 h in identity (quality bar S7); a CSRF token need not outlive it.
CSRF_TOKEN_LIFETIME = timedelta(hours=12)


def create_app(config: Mapping[str, str] | None = None) -> flask.Flask:
    """Build the gateway. ``config`` replaces the process environment (tests pass their own variables)."""
    settings = load_settings(config)
    configure_logging("gateway", settings.log_level)
    i18n.compile_catalogues()
    plugins = load_plugins(settings)

    app = flask.Flask("school_gateway", root_path=str(PACKAGE_DIR))
    _configure(app, settings, plugins)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    issuer = TokenIssuer(load_private_key(settings.private_key_file), lifetime_s=TOKEN_LIFETIME_S)
    app.extensions[SETTINGS_EXTENSION] = settings
    app.extensions[PLUGINS_EXTENSION] = plugins
    app.extensions[UPSTREAMS_EXTENSION] = Upstreams([u for p in plugins for u in p.upstreams], settings, issuer)
    app.extensions[CACHE_EXTENSION] = SessionCache(settings.session_cache_seconds)

    access = registry(app)
    access.declare("static", PUBLIC)
    access.declare(OPENAPI_ENDPOINT, PUBLIC)

    # Order matters: request id first (every log line carries it), then default-deny access
    # control, then CSRF (so an anonymous forged POST is refused as unauthenticated first).
    app.before_request(observability.begin_request)
    app.before_request(enforce_access)
    app.before_request(check_origin)
    app.before_request(workbooks.apply_body_limit)  # before CSRF, which reads the (multipart) form
    CSRFProtect(app)
    i18n.Babel(app, locale_selector=i18n.select_locale)
    app.after_request(i18n.remember_choice)
    app.after_request(observability.finish_request)
    app.teardown_request(observability.end_request)

    api = init_api(app)
    errors.register(app)  # after the Api: replaces flask-smorest's JSON-only HTTPException handler
    app.register_blueprint(ops.bp)
    for plugin in plugins:
        try:
            for blueprint in plugin.blueprints:
                app.register_blueprint(blueprint)
            for api_blueprint in plugin.api_blueprints:
                api.register_blueprint(api_blueprint)
            if plugin.init is not None:
                plugin.init(app)
        # Any failure while mounting a plugin stops start-up, naming the plugin.
        except Exception as exc:
            raise PluginError(plugin.name, f"failed to initialise: {type(exc).__name__}: {exc}") from exc

    _install_template_helpers(app, plugins)
    for row in undeclared_routes(app):
        # Denied at request time anyway (default deny); said loudly so the author notices.
        log.error("authz.undeclared_route", rule=row.rule, endpoint=row.endpoint)
    log.info(
        "gateway.created", plugins=[p.name for p in plugins], upstreams=list(app.extensions[UPSTREAMS_EXTENSION].names)
    )
    return app


def _configure(app: flask.Flask, settings: Settings, plugins: list[Plugin]) -> None:
    translation_dirs = [str(i18n.TRANSLATIONS)] + [str(p.translations) for p in plugins if p.translations]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="tv_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        WTF_CSRF_TIME_LIMIT=int(CSRF_TOKEN_LIFETIME.total_seconds()),
        # Same-site is checked through the Origin header instead (authz.check_origin): Flask-WTF's
        # strict mode wants a Referer on HTTPS, which API clients do not send.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        BABEL_TRANSLATION_DIRECTORIES=";".join(translation_dirs),
        SIGNIN_ENDPOINT="core.signin",
        PROMETHEUS_MULTIPROC_DIR=settings.prometheus_multiproc_dir,
        **api_config(f"{SCHOOL_NAME} — API"),
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]


def _install_template_helpers(app: flask.Flask, plugins: list[Plugin]) -> None:
    entries: list[MenuEntry] = [entry for plugin in plugins for entry in plugin.menu]

    def visible_menu() -> list[MenuEntry]:
        principal = loaded_principal()
        if principal is None:
            return []
        return [e for e in entries if e.visible_to(principal.permissions, principal.scopes)]

    def lang_url(code: str) -> str:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "lang"}
        args["lang"] = code
        return f"{request.path}?{urlencode(args)}"

    def page_url(token: str) -> str:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page_token", "notice")}
        args["page_token"] = token
        return f"{request.path}?{urlencode(args)}"

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        return {
            "school_name": SCHOOL_NAME,
            "principal": loaded_principal(),
            "menu": visible_menu(),
            "current_locale": i18n.current_locale(),
            "lang_url": lang_url,
            "page_url": page_url,
            "can_open": can_open,
            "role_label": role_label,
        }

    app.add_template_filter(i18n.format_vn_date, "vn_date")
    app.add_template_filter(i18n.format_vn_datetime, "vn_datetime")
