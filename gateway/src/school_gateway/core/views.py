"""The core plugin's pages: sign-in form, sign-out button target and the home page."""

from __future__ import annotations

import flask
import grpc
from flask import request, url_for
from flask.typing import ResponseReturnValue

from school_gateway.authz import authenticated, public, safe_next
from school_gateway.core.schemas import LoginSchema
from school_gateway.errors import GRPC_STATUS_MAP, GatewayError, translate
from school_gateway.i18n import gettext as _
from school_gateway.pages import load_form, render
from school_gateway.plugins import DashboardCard, enabled_plugins
from school_gateway.sessions import sign_in, sign_out
from schoolkit.logging import get_logger

log = get_logger(__name__)

bp = flask.Blueprint("core", __name__)


@bp.get("/signin")
@public
def signin() -> ResponseReturnValue:
    return render("core/signin.html", errors={}, message="", values={}, next=safe_next(request.args.get("next")))


@bp.post("/signin")
@public
def signin_submit() -> ResponseReturnValue:
    form = load_form(LoginSchema())
    next_url = safe_next(request.form.get("next"))
    status = 400
    if not form.errors:
        try:
            sign_in(form.data["username"], form.data["password"])
        except grpc.RpcError as err:
            code = err.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                form.message, status = _("Wrong username or password."), 401
            elif code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                form.message, status = translate(GRPC_STATUS_MAP[code].message), 429
            else:
                raise
        else:
            return flask.redirect(next_url or url_for("core.dashboard"), 303)
    # The password is never sent back into the page.
    values = {"username": form.raw.get("username", "")}
    return render("core/signin.html", status, errors=form.errors, message=form.message, values=values, next=next_url)


@bp.post("/signout")
@authenticated
def signout() -> ResponseReturnValue:
    sign_out()
    return flask.redirect(url_for("core.signin", notice="signed_out"), 303)


@bp.get("/")
@authenticated
def dashboard() -> ResponseReturnValue:
    cards: list[DashboardCard] = []
    incomplete = False
    for plugin in enabled_plugins():
        if plugin.dashboard is None:
            continue
        try:
            cards.extend(plugin.dashboard())
        except (GatewayError, grpc.RpcError) as err:
            # The home page stays usable when one service is down; the figure is just missing.
            log.warning("dashboard.card_failed", plugin=plugin.name, error_type=type(err).__name__)
            incomplete = True
    return render("core/dashboard.html", cards=cards, incomplete=incomplete)
