"""Plugin discovery through entry points: enabled plugins load in order; a problem stops start-up, naming it."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from school_gateway import plugins as plugin_module
from school_gateway.app import create_app
from school_gateway.authz import undeclared_routes
from school_gateway.plugins import ENTRY_POINT_GROUP, PluginError

BUILT_IN = {
    "core": "school_gateway.core:plugin",
    "students": "school_gateway.students:plugin",
    "grades": "school_gateway.grades:plugin",
    "staff": "school_gateway.staff:plugin",
    "access": "school_gateway.access:plugin",
}

THIRD_PARTY = '''
"""A plugin shipped in its own package: one page and one API route, both declared."""
import flask
from school_gateway.api import ApiBlueprint
from school_gateway.authz import permission
from school_gateway.plugins import MenuEntry, Plugin, Upstream
from school_gateway.errors import N_

pages = flask.Blueprint("library", __name__)
api = ApiBlueprint("library_api", __name__, url_prefix="/api/v1")


@pages.get("/library")
@permission("library:book:read")
def shelf() -> str:
    return "shelf"


@api.route("/books", methods=["GET"])
@permission("library:book:read")
@api.response(200)
def books() -> dict:
    return {"items": []}


plugin = Plugin(
    name="library",
    blueprints=[pages],
    api_blueprints=[api],
    menu=[MenuEntry(N_("Library"), "library.shelf", "library:book:read")],
)
broken_init = Plugin(name="brokeninit", init=lambda app: 1 / 0)
wrong_name = Plugin(name="somethingelse")
not_a_plugin = {"name": "dict"}
lonely = Plugin(
    name="lonely",
    upstreams=[Upstream("health", "HEALTH_GRPC_ADDR", "school.health.v1.HealthService", lambda channel: channel)],
)
'''


def _entry_points(extra: dict[str, str]) -> list[importlib.metadata.EntryPoint]:
    return [
        importlib.metadata.EntryPoint(name=n, value=v, group=ENTRY_POINT_GROUP)
        for n, v in {**BUILT_IN, **extra}.items()
    ]


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installed third-party package (a module on sys.path) plus its entry points."""
    (tmp_path / "tv_library_plugin.py").write_text(textwrap.dedent(THIRD_PARTY), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    extra = {
        "library": "tv_library_plugin:plugin",
        "brokeninit": "tv_library_plugin:broken_init",
        "wrongname": "tv_library_plugin:wrong_name",
        "notaplugin": "tv_library_plugin:not_a_plugin",
        "missingmodule": "tv_no_such_module:plugin",
        "missingattr": "tv_library_plugin:nothing_here",
        "lonely": "tv_library_plugin:lonely",
    }
    monkeypatch.setattr(plugin_module, "entry_points", lambda: _entry_points(extra))
    yield
    sys.modules.pop("tv_library_plugin", None)


def test_built_in_plugins_are_registered_as_entry_points() -> None:
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert {k: found.get(k) for k in BUILT_IN} == BUILT_IN


def test_only_enabled_plugins_are_mounted(environ: dict[str, str]) -> None:
    app = create_app({**environ, "GATEWAY_PLUGINS": "core"})
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/signin" in rules
    assert "/classes" not in rules
    assert "/api/v1/classes/<id:class_id>/roster" not in rules
    upstream_names = app.extensions["school_gateway.upstreams"].names
    assert upstream_names == ("identity", "identity.staff", "identity.access")


def test_unknown_plugin_stops_start_up(environ: dict[str, str]) -> None:
    with pytest.raises(PluginError, match=r"gateway plugin 'timetable': no entry point"):
        create_app({**environ, "GATEWAY_PLUGINS": "core,timetable"})


def test_core_is_required(environ: dict[str, str]) -> None:
    with pytest.raises(PluginError, match="'core': must be enabled"):
        create_app({**environ, "GATEWAY_PLUGINS": "students"})


@pytest.mark.usefixtures("third_party")
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "missingmodule",
            r"gateway plugin 'missingmodule': cannot import tv_no_such_module:plugin: ModuleNotFoundError",
        ),
        ("missingattr", r"gateway plugin 'missingattr': cannot import tv_library_plugin:nothing_here: AttributeError"),
        ("notaplugin", r"gateway plugin 'notaplugin': .* is a dict, not a school_gateway.plugins.Plugin"),
        ("wrongname", r"gateway plugin 'wrongname': .* calls itself 'somethingelse'"),
        ("brokeninit", r"gateway plugin 'brokeninit': failed to initialise: ZeroDivisionError"),
    ],
)
def test_broken_plugin_stops_start_up_naming_it(environ: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        create_app({**environ, "GATEWAY_PLUGINS": f"core,{name}"})


@pytest.mark.usefixtures("third_party")
def test_plugin_needing_an_unset_address_stops_start_up(environ: dict[str, str]) -> None:
    with pytest.raises(PluginError, match=r"'lonely': needs the upstream address variable.s. HEALTH_GRPC_ADDR"):
        create_app({**environ, "GATEWAY_PLUGINS": "core,lonely"})
    # With the variable set the same plugin starts, and /readyz would include its upstream.
    app = create_app({**environ, "GATEWAY_PLUGINS": "core,lonely", "HEALTH_GRPC_ADDR": "127.0.0.1:1"})
    assert app.extensions["school_gateway.upstreams"].names == (
        "identity",
        "identity.staff",
        "identity.access",
        "health",
    )


@pytest.mark.usefixtures("third_party")
def test_third_party_plugin_adds_pages_api_menu_and_declarations(environ: dict[str, str], browser) -> None:
    app = create_app({**environ, "GATEWAY_PLUGINS": "core,students,grades,library"})
    assert undeclared_routes(app) == []
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert {"/library", "/api/v1/books"} <= rules
    spec = app.test_client().get("/api/openapi.json").json
    assert spec["paths"]["/api/v1/books"]["get"]["x-permission"] == "library:book:read"
    client = app.test_client()
    browser.login(client)  # the principal in the fakes has no library permission
    assert client.get("/library").status_code == 403
    assert client.get("/api/v1/books").status_code == 403


def test_menu_entries_can_ask_for_a_kind_of_assignment() -> None:
    from school_gateway.plugins import MenuEntry

    anyone = MenuEntry("Home", "core.home")
    search = MenuEntry("Find students", "students.search", "students:student:read", "", ("school", "class"))
    children = MenuEntry("My children", "student_records.my_children", "students:student:read", "", ("child",))
    read = frozenset({"students:student:read"})
    parent, teacher, office = frozenset({"child:s-1"}), frozenset({"class:c-1"}), frozenset({"school"})
    assert anyone.visible_to(frozenset(), frozenset())
    assert search.visible_to(read, teacher)
    assert search.visible_to(read, office)
    assert not search.visible_to(read, parent)
    assert children.visible_to(read, parent)
    assert not children.visible_to(read, teacher)
    assert not children.visible_to(frozenset(), parent)  # the permission still counts
