"""The sign-in state machine over real gRPC: password change, MFA enrolment and codes, recovery codes,
administrator reset, lock-out and throttling (with retry-after), enumeration resistance, session
revocation, step-up, self-service MFA and the account list."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from school.identity.v1 import identity_pb2
from school_identity.adapters.tables import accounts, login_challenges, mfa_factors, recovery_codes
from school_identity.domain.errors import CHALLENGE_INVALID, INVALID_CREDENTIALS
from school_identity.domain.roles import permissions_for
from schoolkit.grpc_errors import field_violations

from .conftest import NEW_PASSWORD, PASSWORD, SCHOOL_ID, Identity, utc

pytestmark = pytest.mark.integration

HASH_FORMAT = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")
OUTCOME = identity_pb2.LoginOutcome


def rpc_error(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def retry_after(err: grpc.RpcError) -> int:
    values = [v for k, v in (err.trailing_metadata() or ()) if k == "retry-after"]
    assert values, "RESOURCE_EXHAUSTED without retry-after"
    return int(values[0])


def admin(identity: Identity) -> Any:
    return identity.create("quantrivien", "QTHT", full_name="Phan Anh Tuấn")


def test_first_sign_in_changes_the_password_then_enrols_mfa_then_signs_in(identity: Identity) -> None:
    account = identity.create("hieutruong", "HT", full_name="Nguyễn Thị Thu Hà", must_change_password=True)
    first = identity.login("hieutruong")
    assert first.outcome == OUTCOME.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED
    assert first.session_id == ""
    assert first.challenge_id
    # Before the last step the gateway learns who is signing in, not what they may do.
    assert (first.principal.username, first.principal.full_name) == ("hieutruong", "Nguyễn Thị Thu Hà")
    assert (first.principal.user_id, list(first.principal.permissions)) == ("", [])

    weak = rpc_error(lambda: identity.go_on(first.challenge_id, new_password="password123456"))
    assert weak.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(weak)) == {"new_password"}
    same = rpc_error(lambda: identity.go_on(first.challenge_id, new_password=PASSWORD))
    assert "khác mật khẩu hiện tại" in field_violations(same)["new_password"]

    enrol = identity.go_on(first.challenge_id, new_password=NEW_PASSWORD).result
    assert enrol.outcome == OUTCOME.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED
    assert enrol.challenge_id
    assert enrol.challenge_id != first.challenge_id
    secret = enrol.mfa_secret.secret
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert enrol.mfa_secret.provisioning_uri.startswith("otpauth://totp/")
    assert "hieutruong" in enrol.mfa_secret.provisioning_uri
    # A used challenge is gone.
    assert rpc_error(lambda: identity.go_on(first.challenge_id, new_password=NEW_PASSWORD)).code() == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    # Nothing is applied before the last step: the old password still signs in (to a new challenge).
    with identity.container.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.id == account.id)).mappings().one()
    assert row["must_change_password"] is True

    wrong = rpc_error(lambda: identity.go_on(enrol.challenge_id, totp_code="000000"))
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(wrong)) == {"totp_code"}

    done = identity.go_on(enrol.challenge_id, totp_code=identity.code(secret))
    result = done.result
    assert result.outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert len(result.session_id) >= 43
    assert result.principal.user_id == account.id
    assert result.principal.mfa_verified
    assert set(result.principal.permissions) == permissions_for(["HT"])
    assert list(result.principal.scopes) == ["school"]
    assert len(done.recovery_codes) == len(set(done.recovery_codes)) == 10

    session = identity.validate(result.session_id).principal
    assert session.mfa_verified
    assert not session.HasField("stepped_up_until")

    with identity.container.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.id == account.id)).mappings().one()
        factor = conn.execute(select(mfa_factors).where(mfa_factors.c.account_id == account.id)).mappings().one()
        stored_codes = list(conn.execute(select(recovery_codes.c.code_hash)).scalars())
    assert row["must_change_password"] is False
    assert secret not in factor["secret_encrypted"]
    assert factor["pending_secret_encrypted"] is None
    assert len(stored_codes) == 10
    assert not set(stored_codes) & set(done.recovery_codes)
    assert identity.event_types()[-3:] == ["PasswordChanged", "MfaEnrolled", "UserLoggedIn"]

    assert rpc_error(lambda: identity.login("hieutruong", PASSWORD)).details() == INVALID_CREDENTIALS
    identity.next_step()
    again = identity.login("hieutruong", NEW_PASSWORD)
    assert again.outcome == OUTCOME.LOGIN_OUTCOME_MFA_REQUIRED
    audit = repr(identity.audit())
    for secret_value in (PASSWORD, NEW_PASSWORD, secret, *done.recovery_codes, result.session_id):
        assert secret_value not in audit


def test_a_totp_code_works_once_and_only_in_its_step(identity: Identity) -> None:
    identity.create("ketoan", "KT")
    signed_in, secret, _ = identity.enrol_at_sign_in("ketoan")
    used = identity.code(secret)
    challenge = identity.login("ketoan")
    assert challenge.outcome == OUTCOME.LOGIN_OUTCOME_MFA_REQUIRED
    assert challenge.session_id == ""
    # The enrolment code of this same step was used already.
    reused = rpc_error(lambda: identity.go_on(challenge.challenge_id, totp_code=used))
    assert reused.code() == grpc.StatusCode.INVALID_ARGUMENT
    identity.next_step()
    previous = used
    assert rpc_error(lambda: identity.go_on(challenge.challenge_id, totp_code=previous)).code() == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    ok = identity.go_on(challenge.challenge_id, totp_code=identity.code(secret)).result
    assert ok.outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert ok.session_id != signed_in.session_id
    # Same step, same code, new sign-in: refused.
    again = identity.login("ketoan")
    assert rpc_error(lambda: identity.go_on(again.challenge_id, totp_code=identity.code(secret))).code() == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


def test_a_recovery_code_works_once(identity: Identity) -> None:
    identity.create("yte", "YT")
    _, _, codes = identity.enrol_at_sign_in("yte")
    challenge = identity.login("yte")
    ok = identity.go_on(challenge.challenge_id, recovery_code=codes[3].upper()).result
    assert ok.outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert ok.principal.mfa_verified
    again = identity.login("yte")
    err = rpc_error(lambda: identity.go_on(again.challenge_id, recovery_code=codes[3]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err)) == {"recovery_code"}
    assert identity.go_on(again.challenge_id, recovery_code=codes[4]).result.outcome == (
        OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    )
    assert "mfa.recovery_code_used" in [r["action"] for r in identity.audit()]


def test_reset_password_does_not_bypass_mfa(identity: Identity) -> None:
    qt = admin(identity)
    ht = identity.create("hieutruong", "HT")
    signed_in, secret, _ = identity.enrol_at_sign_in("hieutruong")
    reset = identity.stub.ResetPassword(
        identity_pb2.ResetPasswordRequest(user_id=ht.id, reason="Quên mật khẩu, đã xác minh trực tiếp"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    code = reset.one_time_code
    assert len(code) == 12
    assert utc(reset.expires_at.ToDatetime()) == identity.clock.now + timedelta(hours=72)
    # The reset ends every session of the person.
    assert rpc_error(lambda: identity.validate(signed_in.session_id)).code() == grpc.StatusCode.UNAUTHENTICATED
    assert rpc_error(lambda: identity.login("hieutruong", PASSWORD)).details() == INVALID_CREDENTIALS

    identity.next_step()
    step1 = identity.login("hieutruong", code)
    assert step1.outcome == OUTCOME.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED
    step2 = identity.go_on(step1.challenge_id, new_password=NEW_PASSWORD).result
    # Still the second factor: a reset is not a way around it.
    assert step2.outcome == OUTCOME.LOGIN_OUTCOME_MFA_REQUIRED
    assert step2.session_id == ""
    done = identity.go_on(step2.challenge_id, totp_code=identity.code(secret)).result
    assert done.outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert done.principal.mfa_verified
    # The one-time code is spent.
    assert rpc_error(lambda: identity.login("hieutruong", code)).details() == INVALID_CREDENTIALS
    events = identity.outbox()
    changed = [r for r in events if r["event_type"].endswith("PasswordChanged")]
    assert len(changed) == 2  # the reset (by_reset) and the new password at sign-in
    reset_row = next(r for r in identity.audit() if r["action"] == "password.reset")
    assert reset_row["actor"] == qt.id
    assert code not in repr(identity.audit())


def test_a_one_time_code_expires(identity: Identity) -> None:
    qt = admin(identity)
    gv = identity.create("gvbm", "GVBM")
    reset = identity.stub.ResetPassword(
        identity_pb2.ResetPasswordRequest(user_id=gv.id, reason="Cấp lại mật khẩu"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    identity.clock.advance(hours=72)
    assert rpc_error(lambda: identity.login("gvbm", reset.one_time_code)).details() == INVALID_CREDENTIALS


def test_an_administrator_cannot_reset_their_own_password(identity: Identity) -> None:
    qt = admin(identity)
    err = rpc_error(
        lambda: identity.stub.ResetPassword(
            identity_pb2.ResetPasswordRequest(user_id=qt.id, reason="Tự cấp lại"),
            metadata=identity.as_account(qt),
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize("role", ["HT", "PHT", "VP", "KT", "TB", "YT", "QTHT"])
def test_mfa_cannot_be_skipped_by_a_role_that_requires_it(identity: Identity, role: str) -> None:
    identity.create("nguoidung", role)
    first = identity.login("nguoidung")
    assert first.outcome == OUTCOME.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED
    assert first.session_id == ""
    # The challenge id is not a session, and no step can be skipped.
    assert rpc_error(lambda: identity.validate(first.challenge_id)).code() == grpc.StatusCode.UNAUTHENTICATED
    for attempt in ({}, {"new_password": NEW_PASSWORD}, {"recovery_code": "abcd-efgh-jkmn-pqrs"}):
        err = rpc_error(lambda attempt=attempt: identity.go_on(first.challenge_id, **attempt))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    with identity.container.engine.connect() as conn:
        assert conn.execute(select(mfa_factors)).first() is None
    identity.enrol_at_sign_in("nguoidung")
    identity.next_step()
    second = identity.login("nguoidung")
    assert second.outcome == OUTCOME.LOGIN_OUTCOME_MFA_REQUIRED
    assert second.session_id == ""


@pytest.mark.parametrize("role", ["TTCM", "GVCN", "GVBM", "TV", "CMHS"])
def test_roles_without_the_requirement_sign_in_with_the_password(identity: Identity, role: str) -> None:
    identity.create("nguoidung", role)
    reply = identity.login("nguoidung")
    assert reply.outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert not reply.principal.mfa_verified


def test_a_challenge_expires_after_five_minutes_and_dies_after_five_wrong_codes(identity: Identity) -> None:
    identity.create("phohieutruong", "PHT")
    first = identity.login("phohieutruong")
    identity.clock.advance(minutes=5)
    err = rpc_error(lambda: identity.go_on(first.challenge_id, totp_code="123456"))
    assert (err.code(), err.details()) == (grpc.StatusCode.UNAUTHENTICATED, CHALLENGE_INVALID)

    second = identity.login("phohieutruong")
    for _ in range(4):
        err = rpc_error(lambda: identity.go_on(second.challenge_id, totp_code="000000"))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = rpc_error(lambda: identity.go_on(second.challenge_id, totp_code="000000"))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    secret = second.mfa_secret.secret
    err = rpc_error(lambda: identity.go_on(second.challenge_id, totp_code=identity.code(secret)))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    with identity.container.engine.connect() as conn:
        assert conn.execute(select(login_challenges.c.closed_at).where(login_challenges.c.failures == 5)).scalar()


def failures(identity: Identity, username: str, count: int, ip: str = "203.0.113.7") -> list[grpc.RpcError]:
    return [rpc_error(lambda: identity.login(username, "sai mật khẩu", client_ip=ip)) for _ in range(count)]


def test_lock_out_with_exponential_back_off_and_retry_after(identity: Identity) -> None:
    gv = identity.create("gvcn", "GVCN")
    errs = failures(identity, "gvcn", 5)
    assert {e.code() for e in errs} == {grpc.StatusCode.UNAUTHENTICATED}
    locked = rpc_error(lambda: identity.login("gvcn", PASSWORD))  # even the right password waits
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert retry_after(locked) == 60
    assert "thử lại sau 1 phút" in locked.details()
    assert identity.event_types()[-1] == "AccountLocked"
    identity.clock.advance(seconds=61)
    failures(identity, "gvcn", 1)
    assert retry_after(rpc_error(lambda: identity.login("gvcn", PASSWORD))) == 120
    identity.clock.advance(seconds=121)
    failures(identity, "gvcn", 1)
    assert retry_after(rpc_error(lambda: identity.login("gvcn", PASSWORD))) == 240
    identity.clock.advance(seconds=241)
    # The lock ended by itself; a success clears the count.
    assert identity.login("gvcn", PASSWORD).outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    failures(identity, "gvcn", 4)
    assert identity.login("gvcn", PASSWORD).outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    locks = [r for r in identity.audit() if r["action"] == "account.locked"]
    assert len(locks) == 3
    assert {r["target"] for r in locks} == {gv.id}
    throttled = [r for r in identity.audit() if r["outcome"] == "throttled"]
    assert len(throttled) == 3


def test_unknown_usernames_are_answered_and_throttled_exactly_like_real_ones(identity: Identity) -> None:
    identity.create("gvcn", "GVCN")

    def story(username: str) -> list[tuple[Any, ...]]:
        seen = []
        for err in failures(identity, username, 5):
            seen.append((err.code(), err.details(), field_violations(err)))
        locked = rpc_error(lambda: identity.login(username, PASSWORD))
        seen.append((locked.code(), locked.details(), retry_after(locked)))
        return seen

    assert story("gvcn") == story("khongtontai")
    assert identity.event_types().count("AccountLocked") == 1  # only the real account has an event


def test_an_unknown_username_costs_a_password_verification(identity: Identity, monkeypatch: Any) -> None:
    hasher = identity.container.deps.hasher
    calls: list[str] = []
    real = hasher.verify

    def spy(stored: str, password: str) -> bool:
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(hasher, "verify", spy)
    rpc_error(lambda: identity.login("khongtontai", "sai mật khẩu"))
    assert calls == [hasher.dummy_hash]


def test_per_address_limit(identity: Identity) -> None:
    identity.create("gvcn", "GVCN")
    for n in range(30):
        rpc_error(lambda n=n: identity.login(f"doan{n % 10}", "sai mật khẩu", client_ip="198.51.100.20"))
    blocked = rpc_error(lambda: identity.login("gvcn", PASSWORD, client_ip="198.51.100.20"))
    assert blocked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert 1 <= retry_after(blocked) <= 600
    # Another address is not affected.
    assert identity.login("gvcn", PASSWORD, client_ip="198.51.100.21").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    identity.clock.advance(minutes=11)
    assert identity.login("gvcn", PASSWORD, client_ip="198.51.100.20").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN


def test_wrong_second_factor_codes_count_towards_the_lock(identity: Identity) -> None:
    identity.create("ketoan", "KT")
    identity.enrol_at_sign_in("ketoan")
    for _ in range(5):
        challenge = identity.login("ketoan")
        rpc_error(lambda challenge=challenge: identity.go_on(challenge.challenge_id, totp_code="000000"))
    err = rpc_error(lambda: identity.login("ketoan"))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_an_administrator_lifts_a_lock_by_enabling_or_resetting(identity: Identity) -> None:
    qt = admin(identity)
    gv = identity.create("gvcn", "GVCN")
    failures(identity, "gvcn", 5)
    assert rpc_error(lambda: identity.login("gvcn")).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    listed = identity.stub.ListAccounts(
        identity_pb2.ListAccountsRequest(query="gvcn"), metadata=identity.as_account(qt), timeout=10
    )
    assert listed.accounts[0].HasField("locked_until")
    identity.stub.SetAccountActive(
        identity_pb2.SetAccountActiveRequest(user_id=gv.id, active=True, reason="Người dùng đã xác minh"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    assert identity.login("gvcn").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert "account.unlock" in [r["action"] for r in identity.audit()]
    failures(identity, "gvcn", 5)
    assert rpc_error(lambda: identity.login("gvcn")).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    reset = identity.stub.ResetPassword(
        identity_pb2.ResetPasswordRequest(user_id=gv.id, reason="Khóa do nhập sai, cấp lại"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    assert identity.login("gvcn", reset.one_time_code).outcome == OUTCOME.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED


def test_disabling_revokes_every_session_at_once(identity: Identity) -> None:
    qt = admin(identity)
    gv = identity.create("gvcn", "GVCN")
    sessions = [identity.login("gvcn").session_id for _ in range(3)]
    principal = identity.validate(sessions[0]).principal
    reply = identity.stub.SetAccountActive(
        identity_pb2.SetAccountActiveRequest(user_id=gv.id, active=False, reason="Nghỉ việc từ hôm nay"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    assert reply.account.active is False
    for sid in sessions:
        assert rpc_error(lambda sid=sid: identity.validate(sid)).code() == grpc.StatusCode.UNAUTHENTICATED
    # An internal token minted before the change is refused too.
    err = rpc_error(
        lambda: identity.stub.GetMe(identity_pb2.GetMeRequest(), metadata=identity.user_md(principal), timeout=10)
    )
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert rpc_error(lambda: identity.login("gvcn")).details() == INVALID_CREDENTIALS
    identity.stub.SetAccountActive(
        identity_pb2.SetAccountActiveRequest(user_id=gv.id, active=True, reason="Quay lại công tác"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    assert identity.login("gvcn").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert [t for t in identity.event_types() if t.startswith("Account") and t != "AccountCreated"] == [
        "AccountDisabled",
        "AccountEnabled",
    ]
    # Reason required, own account not disableable, other schools' accounts invisible.
    err = rpc_error(
        lambda: identity.stub.SetAccountActive(
            identity_pb2.SetAccountActiveRequest(user_id=gv.id, active=False),
            metadata=identity.as_account(qt),
            timeout=10,
        )
    )
    assert set(field_violations(err)) == {"reason"}
    err = rpc_error(
        lambda: identity.stub.SetAccountActive(
            identity_pb2.SetAccountActiveRequest(user_id=qt.id, active=False, reason="Tự khóa mình"),
            metadata=identity.as_account(qt),
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_change_password_keeps_this_session_and_ends_the_others(identity: Identity) -> None:
    identity.create("gvcn", "GVCN")
    keep, other = identity.login("gvcn"), identity.login("gvcn")
    md = identity.user_md(keep.principal)
    wrong = rpc_error(
        lambda: identity.stub.ChangePassword(
            identity_pb2.ChangePasswordRequest(current_password="sai", new_password=NEW_PASSWORD),
            metadata=md,
            timeout=10,
        )
    )
    assert set(field_violations(wrong)) == {"current_password"}
    weak = rpc_error(
        lambda: identity.stub.ChangePassword(
            identity_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password="gvcn-mat-khau-2026"),
            metadata=md,
            timeout=10,
        )
    )
    assert field_violations(weak) == {"new_password": "Mật khẩu không được chứa tên đăng nhập"}
    identity.stub.ChangePassword(
        identity_pb2.ChangePasswordRequest(
            current_password=PASSWORD, new_password=NEW_PASSWORD, keep_session_id=keep.session_id
        ),
        metadata=md,
        timeout=10,
    )
    identity.validate(keep.session_id)
    assert rpc_error(lambda: identity.validate(other.session_id)).code() == grpc.StatusCode.UNAUTHENTICATED
    assert identity.login("gvcn", NEW_PASSWORD).outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert "PasswordChanged" in identity.event_types()


def test_step_up_marks_the_session_for_five_minutes(identity: Identity) -> None:
    identity.create("hieutruong", "HT")
    signed_in, secret, _ = identity.enrol_at_sign_in("hieutruong")
    sid = signed_in.session_id
    wrong = rpc_error(
        lambda: identity.stub.StepUp(
            identity_pb2.StepUpRequest(session_id=sid, totp_code=identity.code(secret)),
            metadata=identity.md(),
            timeout=10,
        )
    )
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT  # the enrolment's code, already used
    identity.next_step()
    reply = identity.stub.StepUp(
        identity_pb2.StepUpRequest(session_id=sid, totp_code=identity.code(secret)), metadata=identity.md(), timeout=10
    )
    until = utc(reply.stepped_up_until.ToDatetime())
    assert until == identity.clock.now + timedelta(minutes=5)
    principal = identity.validate(sid).principal
    assert principal.mfa_verified
    assert utc(principal.stepped_up_until.ToDatetime()) == until
    identity.clock.advance(minutes=5)
    assert not identity.validate(sid).principal.HasField("stepped_up_until")
    assert [r["action"] for r in identity.audit()].count("mfa.step_up") == 2


def test_step_up_needs_an_enrolled_factor(identity: Identity) -> None:
    identity.create("gvcn", "GVCN")
    sid = identity.login("gvcn").session_id
    err = rpc_error(
        lambda: identity.stub.StepUp(
            identity_pb2.StepUpRequest(session_id=sid, totp_code="123456"), metadata=identity.md(), timeout=10
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_optional_mfa_can_be_enrolled_and_disabled_but_not_by_required_roles(identity: Identity) -> None:
    identity.create("gvcn", "GVCN")
    md = identity.user_md(identity.login("gvcn").principal)
    started = identity.stub.StartMfaEnrolment(identity_pb2.StartMfaEnrolmentRequest(), metadata=md, timeout=10)
    secret = started.mfa_secret.secret
    assert identity.login("gvcn").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN  # pending: not active yet
    codes = identity.stub.ConfirmMfaEnrolment(
        identity_pb2.ConfirmMfaEnrolmentRequest(totp_code=identity.code(secret)), metadata=md, timeout=10
    ).recovery_codes
    assert len(codes) == 10
    assert identity.login("gvcn").outcome == OUTCOME.LOGIN_OUTCOME_MFA_REQUIRED
    again = rpc_error(lambda: identity.stub.StartMfaEnrolment(identity_pb2.StartMfaEnrolmentRequest(), metadata=md))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(again) == {"step_up": "required"}
    identity.next_step()
    identity.stub.DisableMfa(identity_pb2.DisableMfaRequest(totp_code=identity.code(secret)), metadata=md, timeout=10)
    assert identity.login("gvcn").outcome == OUTCOME.LOGIN_OUTCOME_SIGNED_IN
    assert "mfa.disabled" in [r["action"] for r in identity.audit()]

    identity.create("ketoan", "KT")
    signed_in, kt_secret, _ = identity.enrol_at_sign_in("ketoan")
    identity.next_step()
    err = rpc_error(
        lambda: identity.stub.DisableMfa(
            identity_pb2.DisableMfaRequest(totp_code=identity.code(kt_secret)),
            metadata=identity.user_md(signed_in.principal),
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_list_accounts_finds_names_without_diacritics_and_pages(identity: Identity) -> None:
    qt = admin(identity)
    identity.create("hieutruong", "HT", full_name="Nguyễn Thị Thu Hà")
    identity.create("gvcn", "GVCN", full_name="Phạm Thị Lan Anh")
    identity.create("gvbm", "GVBM", full_name="Hoàng Đức Thắng")
    identity.create("khac", "GVBM", full_name="Nguyễn Văn Khác", school_id="0b9e1c7a-1111-4c5b-9a57-2e0b3c1d7f02")
    md = identity.as_account(qt)
    found = identity.stub.ListAccounts(identity_pb2.ListAccountsRequest(query="nguyen"), metadata=md, timeout=10)
    assert [a.username for a in found.accounts] == ["hieutruong"]  # not the other school's
    ht = found.accounts[0]
    assert (ht.mfa_required, ht.mfa_enrolled, ht.must_change_password, ht.active) == (True, False, False, True)
    assert list(ht.roles) == ["HT"]
    assert [a.username for a in identity.stub.ListAccounts(
        identity_pb2.ListAccountsRequest(query="Đức"), metadata=md, timeout=10
    ).accounts] == ["gvbm"]  # fmt: skip
    first = identity.stub.ListAccounts(identity_pb2.ListAccountsRequest(page_size=2), metadata=md, timeout=10)
    assert [a.username for a in first.accounts] == ["gvbm", "gvcn"]
    rest = identity.stub.ListAccounts(
        identity_pb2.ListAccountsRequest(page_size=2, page_token=first.next_page_token), metadata=md, timeout=10
    )
    assert [a.username for a in rest.accounts] == ["hieutruong", "quantrivien"]
    assert rest.next_page_token == ""


def test_every_stored_hash_meets_the_argon2id_floor(identity: Identity) -> None:
    qt = admin(identity)
    identity.create("hieutruong", "HT", must_change_password=True)
    first = identity.login("hieutruong")
    identity.go_on(first.challenge_id, new_password=NEW_PASSWORD)  # a pending new password, hashed too
    gv = identity.create("gvcn", "GVCN")
    identity.stub.ResetPassword(
        identity_pb2.ResetPasswordRequest(user_id=gv.id, reason="Cấp lại mật khẩu"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    with identity.container.engine.connect() as conn:
        hashes = list(conn.execute(select(accounts.c.password_hash)).scalars())
        hashes += [h for h in conn.execute(select(login_challenges.c.new_password_hash)).scalars() if h]
    assert len(hashes) == 4
    for value in hashes:
        match = HASH_FORMAT.match(value)
        assert match, value
        m, t, p = map(int, match.groups())
        assert (m >= 19456, t >= 2, p >= 1) == (True, True, True)


def test_the_school_in_the_token_must_be_the_accounts(identity: Identity) -> None:
    gv = identity.create("gvcn", "GVCN")
    from dataclasses import replace

    foreign = replace(gv, school_id="0b9e1c7a-1111-4c5b-9a57-2e0b3c1d7f02")
    err = rpc_error(
        lambda: identity.stub.GetMe(identity_pb2.GetMeRequest(), metadata=identity.as_account(foreign), timeout=10)
    )
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert foreign.school_id != SCHOOL_ID


def test_a_reset_voids_a_sign_in_in_progress(identity: Identity) -> None:
    qt = admin(identity)
    gv = identity.create("gvcn", "GVCN", must_change_password=True)
    pending = identity.login("gvcn")
    identity.stub.ResetPassword(
        identity_pb2.ResetPasswordRequest(user_id=gv.id, reason="Nghi lộ mật khẩu"),
        metadata=identity.as_account(qt),
        timeout=10,
    )
    err = rpc_error(lambda: identity.go_on(pending.challenge_id, new_password=NEW_PASSWORD))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
