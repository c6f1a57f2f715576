"""Every RPC of identity's three services, table-driven over the service descriptors: a caller that
lacks the method's permission gets PERMISSION_DENIED (audited); a person's method refuses service
tokens; a call without a valid token never reaches a handler. A new RPC without a row in
api.permissions.METHOD_PERMISSIONS fails this suite."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from google.protobuf import symbol_database

from school.identity.v1 import access_pb2, identity_pb2, staff_pb2
from school_identity.api.permissions import METHOD_PERMISSIONS, SERVICE_METHODS, SESSION_MANAGE
from school_identity.domain.roles import PERMISSION_CATALOGUE
from schoolkit.context import Caller
from schoolkit.tokens import TokenIssuer

from .conftest import SCHOOL_ID, Identity

pytestmark = pytest.mark.integration

SERVICES = [
    identity_pb2.DESCRIPTOR.services_by_name["IdentityService"],
    staff_pb2.DESCRIPTOR.services_by_name["StaffService"],
    access_pb2.DESCRIPTOR.services_by_name["AccessService"],
]
METHODS = [(service, method) for service in SERVICES for method in service.methods]
EVERYTHING = frozenset(PERMISSION_CATALOGUE) | {SESSION_MANAGE}


def full_name(service: Any, method: Any) -> str:
    return f"/{service.full_name}/{method.name}"


def call(identity: Identity, service: Any, method: Any, metadata: list[tuple[str, str]]) -> grpc.RpcError:
    stub = {"IdentityService": identity.stub, "StaffService": identity.staff, "AccessService": identity.access}[
        service.name
    ]
    request_class = symbol_database.Default().GetSymbol(method.input_type.full_name)
    with pytest.raises(grpc.RpcError) as info:
        getattr(stub, method.name)(request_class(), metadata=metadata, timeout=10)
    return info.value


def test_every_rpc_has_exactly_one_permission_row() -> None:
    declared = {full_name(s, m) for s, m in METHODS}
    assert declared == set(METHOD_PERMISSIONS)
    assert len(declared) == 33  # issue 5: StaffService.SetDepartmentGrades
    for permission in METHOD_PERMISSIONS.values():
        assert permission in EVERYTHING


@pytest.mark.parametrize(("service", "method"), METHODS, ids=lambda x: getattr(x, "name", ""))
def test_a_caller_without_the_permission_is_refused(identity: Identity, service: Any, method: Any) -> None:
    name = full_name(service, method)
    permission = METHOD_PERMISSIONS[name]
    account = identity.create("nguoidung", "HT")
    # Everything but the one permission, from a real, active account of the school.
    subject = "svc:gateway" if name in SERVICE_METHODS else account.id
    caller = Caller(subject=subject, school_id=SCHOOL_ID, permissions=EVERYTHING - {permission})
    before = len(identity.audit())
    err = call(identity, service, method, identity.md(caller, request_id="rid-deny"))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED, name
    assert err.details() == "Bạn không có quyền thực hiện thao tác này"
    rows = identity.audit()[before:]
    assert [(r["action"], r["request_id"], r["detail"]["method"], r["detail"]["permission"]) for r in rows] == [
        ("authz.denied", "rid-deny", name, permission)
    ]


@pytest.mark.parametrize(
    ("service", "method"),
    [(s, m) for s, m in METHODS if full_name(s, m) not in SERVICE_METHODS],
    ids=lambda x: getattr(x, "name", ""),
)
def test_methods_for_people_refuse_service_tokens(identity: Identity, service: Any, method: Any) -> None:
    caller = Caller(subject="svc:gateway", school_id=SCHOOL_ID, permissions=EVERYTHING)
    err = call(identity, service, method, identity.md(caller))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(("service", "method"), METHODS, ids=lambda x: getattr(x, "name", ""))
def test_calls_without_a_valid_token_never_reach_a_handler(
    identity: Identity, issuer: TokenIssuer, service: Any, method: Any
) -> None:
    caller = Caller(subject="svc:gateway", school_id=SCHOOL_ID, permissions=EVERYTHING)
    expired = issuer.issue(caller, "identity", now=time.time() - 120)
    wrong_audience = issuer.issue(caller, "students")
    for metadata in ([], [("authorization", "Bearer " + expired)], [("authorization", "Bearer " + wrong_audience)]):
        err = call(identity, service, method, metadata)
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert identity.audit() == []
