"""The tunable rules of identity in one value (read from configuration by the composition root)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from school_identity.domain.roles import DEFAULT_MFA_REQUIRED_ROLES, SodRule
from school_identity.domain.throttle import ThrottlePolicy

DEFAULT_PASSWORD_MIN_LENGTH = 12


@dataclass(frozen=True)
class IdentityRules:
    password_min_length: int = DEFAULT_PASSWORD_MIN_LENGTH
    mfa_required_roles: frozenset[str] = field(default_factory=lambda: frozenset(map(str, DEFAULT_MFA_REQUIRED_ROLES)))
    step_up: timedelta = timedelta(minutes=5)
    sod_rules: tuple[SodRule, ...] = (("grades:score:write", "grades:period:lock"),)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    inactive_days: int = 90
    password_max_age_days: int = 90
    # A pending sign-in (password change, MFA) must be finished within this time.
    challenge_lifetime: timedelta = timedelta(minutes=5)
    challenge_max_failures: int = 5
    # An administrator's one-time code stops working after this long.
    reset_code_lifetime: timedelta = timedelta(hours=72)
