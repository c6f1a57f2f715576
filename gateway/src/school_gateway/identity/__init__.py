"""What the core, staff and access plugins share about identity: its three upstreams, conversions and schemas.

identity serves IdentityService, StaffService and AccessService on one address
(IDENTITY_GRPC_ADDR) under one token audience ("identity"); each is its own upstream here.
"""

from __future__ import annotations

from school.identity.v1 import (
    access_pb2,
    access_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
    staff_pb2,
    staff_pb2_grpc,
)
from school_gateway.plugins import Upstream

ADDRESS_VARIABLE = "IDENTITY_GRPC_ADDR"
AUDIENCE = "identity"

IDENTITY = Upstream.from_descriptor(
    "identity", ADDRESS_VARIABLE, identity_pb2.DESCRIPTOR, "IdentityService", identity_pb2_grpc.IdentityServiceStub
)
IDENTITY_STAFF = Upstream.from_descriptor(
    "identity.staff",
    ADDRESS_VARIABLE,
    staff_pb2.DESCRIPTOR,
    "StaffService",
    staff_pb2_grpc.StaffServiceStub,
    audience=AUDIENCE,
)
IDENTITY_ACCESS = Upstream.from_descriptor(
    "identity.access",
    ADDRESS_VARIABLE,
    access_pb2.DESCRIPTOR,
    "AccessService",
    access_pb2_grpc.AccessServiceStub,
    audience=AUDIENCE,
)
