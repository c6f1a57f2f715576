"""Which steps a sign-in still needs after the password, in the order they are asked for."""

from __future__ import annotations

from school_identity.domain.model import LoginStep


def login_steps(*, must_change_password: bool, mfa_required: bool, mfa_enrolled: bool) -> tuple[LoginStep, ...]:
    """Password change first (first sign-in, administrator reset), then the second factor.

    An enrolled factor is always asked for, required or not; a required one that is missing must
    be enrolled before any session opens. A reset never removes the factor, so a reset account
    still passes it.
    """
    steps: list[LoginStep] = []
    if must_change_password:
        steps.append(LoginStep.PASSWORD_CHANGE)
    if mfa_enrolled:
        steps.append(LoginStep.MFA)
    elif mfa_required:
        steps.append(LoginStep.MFA_ENROL)
    return tuple(steps)
