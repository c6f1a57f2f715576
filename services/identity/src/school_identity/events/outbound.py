"""Map identity's domain events to their protobuf messages and outbox keys."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from school.identity.v1 import events_pb2
from school_identity import TOPIC
from school_identity.domain import events as ev


@dataclass(frozen=True)
class OutboundEvent:
    """Everything the outbox needs: where it goes, its ordering key, its tenant and payload."""

    topic: str
    key: str
    school_id: str
    message: Message


def to_outbound(event: ev.DomainEvent) -> OutboundEvent:
    """Key = the aggregate: the account for account and assignment events (one person's changes
    stay in order), the staff record for staff events, the school for role-permission changes."""
    message: Message
    key: str
    match event:
        case ev.AccountCreated():
            message = events_pb2.AccountCreated(
                user_id=event.user_id,
                school_id=event.school_id,
                username=event.username,
                full_name=event.full_name,
                roles=list(event.roles),
            )
            key = event.user_id
        case ev.UserLoggedIn():
            message = events_pb2.UserLoggedIn(user_id=event.user_id, school_id=event.school_id)
            key = event.user_id
        case ev.AccountDisabled():
            message = events_pb2.AccountDisabled(user_id=event.user_id, school_id=event.school_id)
            key = event.user_id
        case ev.AccountEnabled():
            message = events_pb2.AccountEnabled(user_id=event.user_id, school_id=event.school_id)
            key = event.user_id
        case ev.AccountLocked():
            message = events_pb2.AccountLocked(
                user_id=event.user_id, school_id=event.school_id, locked_until=event.locked_until
            )
            key = event.user_id
        case ev.AccountReminderSent():
            message = events_pb2.AccountReminderSent(
                user_id=event.user_id, school_id=event.school_id, reason=event.reason
            )
            key = event.user_id
        case ev.StaffCreated():
            message = events_pb2.StaffCreated(
                staff_id=event.staff_id,
                school_id=event.school_id,
                full_name=event.full_name,
                position=event.position,
                department_id=event.department_id,
                user_id=event.user_id,
            )
            key = event.staff_id
        case ev.StaffUpdated():
            message = events_pb2.StaffUpdated(
                staff_id=event.staff_id,
                school_id=event.school_id,
                full_name=event.full_name,
                position=event.position,
                department_id=event.department_id,
                employment_status=event.employment_status,
            )
            key = event.staff_id
        case ev.RoleAssigned():
            message = events_pb2.RoleAssigned(
                assignment_id=event.assignment_id,
                school_id=event.school_id,
                user_id=event.user_id,
                role=event.role,
                school_year_id=event.school_year_id,
                scope_kind=event.scope_kind,
                department_id=event.department_id,
                class_id=event.class_id,
                subject_code=event.subject_code,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
            )
            key = event.user_id
        case ev.AssignmentEnded():
            message = events_pb2.AssignmentEnded(
                assignment_id=event.assignment_id,
                school_id=event.school_id,
                user_id=event.user_id,
                role=event.role,
                ended_on=event.ended_on,
            )
            key = event.user_id
        case ev.RolePermissionsChanged():
            message = events_pb2.RolePermissionsChanged(
                school_id=event.school_id, role=event.role, permissions=list(event.permissions)
            )
            key = event.school_id
        case ev.MfaEnrolled():
            message = events_pb2.MfaEnrolled(user_id=event.user_id, school_id=event.school_id)
            key = event.user_id
        case ev.PasswordChanged():
            message = events_pb2.PasswordChanged(
                user_id=event.user_id, school_id=event.school_id, by_reset=event.by_reset
            )
            key = event.user_id
        case _:  # pragma: no cover - the DomainEvent union is closed
            raise TypeError(f"no outbound mapping for {type(event).__name__}")
    return OutboundEvent(topic=TOPIC, key=key, school_id=event.school_id, message=message)
