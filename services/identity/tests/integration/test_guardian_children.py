"""Own child for a parent (issue 4, records): GuardianLinked/GuardianUnlinked from students give a
CMHS account the scope "child:<student id>"; migration 0004 (links table, CMHS may read students)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from school.students.v1 import records_pb2
from school_identity.adapters.tables import inbox
from school_identity.bootstrap import MIGRATIONS_DIR
from school_identity.events.inbound import CONSUMER_GROUP, HANDLERS
from schoolkit.db import make_engine, normalise_url
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import remember_event
from schoolkit.testing import database_kinds, fresh_database

from .conftest import OTHER_SCHOOL_ID, SCHOOL_ID, Identity

pytestmark = pytest.mark.integration

CHILD = "5d000000-0000-4000-8000-000000000001"


def deliver(identity: Identity, message: Any, event_id: str) -> bool:
    event = CloudEvent(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),
        source=f"/schools/{SCHOOL_ID}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with Session(identity.container.engine) as session, session.begin():
        if remember_event(session, inbox, CONSUMER_GROUP, event):
            HANDLERS[event.type](session, event)
            return True
    return False


def scopes_after_login(identity: Identity, username: str) -> set[str]:
    session_id = identity.login(username).session_id
    return set(identity.validate(session_id).principal.scopes)


def test_linked_parent_gets_the_child_scope_and_loses_it_when_unlinked(identity: Identity) -> None:
    parent = identity.create("me.an", "CMHS")
    teacher = identity.create("gv.b", "GVBM")
    linked = records_pb2.GuardianLinked(
        school_id=SCHOOL_ID, student_id=CHILD, parent_account_id=parent.id, student_code="HS000001"
    )
    assert deliver(identity, linked, "link-1")
    assert not deliver(identity, linked, "link-1")  # a redelivered event is skipped
    # The same link arriving again as a new event (outbox replay) changes nothing either.
    assert deliver(identity, linked, "link-1-replayed")
    principal = identity.validate(identity.login("me.an").session_id).principal
    assert f"child:{CHILD}" in principal.scopes
    assert "students:student:read" in principal.permissions

    # Only a parent account gets child scopes; a link naming a teacher's account gives nothing.
    deliver(
        identity,
        records_pb2.GuardianLinked(school_id=SCHOOL_ID, student_id=CHILD, parent_account_id=teacher.id),
        "link-teacher",
    )
    assert not any(s.startswith("child:") for s in scopes_after_login(identity, "gv.b"))

    deliver(
        identity,
        records_pb2.GuardianUnlinked(school_id=SCHOOL_ID, student_id=CHILD, parent_account_id=parent.id),
        "unlink-1",
    )
    assert f"child:{CHILD}" not in scopes_after_login(identity, "me.an")


def test_a_link_of_another_school_gives_nothing(identity: Identity) -> None:
    parent = identity.create("me.binh", "CMHS")
    deliver(
        identity,
        records_pb2.GuardianLinked(school_id=OTHER_SCHOOL_ID, student_id=CHILD, parent_account_id=parent.id),
        "link-other",
    )
    assert not any(s.startswith("child:") for s in scopes_after_login(identity, "me.binh"))


@pytest.mark.parametrize("kind", database_kinds())
def test_0004_round_trip_and_cmhs_grant(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "identity_0004") as url:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
        command.upgrade(cfg, "0003")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO schools (id, code, name) VALUES ('s', 'TH', 'Trường')"))
                conn.execute(
                    text(
                        "INSERT INTO role_permissions (school_id, role, permissions, updated_at, updated_by)"
                        " VALUES ('s', 'CMHS', '[\"identity:me:read\"]', '2026-01-01 00:00:00+00', 'HT')"
                    )
                )
            command.upgrade(cfg, "0004")
            engine.dispose()
            assert "guardian_children" in inspect(engine).get_table_names()
            with engine.connect() as conn:
                perms = conn.execute(text("SELECT permissions FROM role_permissions WHERE role = 'CMHS'")).scalar_one()
            assert set(json.loads(perms) if isinstance(perms, str) else perms) == {
                "identity:me:read",
                "students:student:read",
            }
            command.downgrade(cfg, "0003")
            engine.dispose()
            assert "guardian_children" not in inspect(engine).get_table_names()
            with engine.connect() as conn:
                perms = conn.execute(text("SELECT permissions FROM role_permissions WHERE role = 'CMHS'")).scalar_one()
            assert set(json.loads(perms) if isinstance(perms, str) else perms) == {"identity:me:read"}
            command.upgrade(cfg, "0004")
        finally:
            engine.dispose()
