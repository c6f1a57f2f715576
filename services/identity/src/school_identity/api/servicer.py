"""gRPC servicer for school.identity.v1.IdentityService: proto ⇄ use cases, domain errors → statuses."""

from __future__ import annotations

import grpc

from school.identity.v1 import identity_pb2, identity_pb2_grpc
from school_identity.api.base import BaseServicer, timestamp
from school_identity.api.permissions import IDENTITY
from school_identity.app import accounts, signin
from school_identity.app.accounts import AccountView
from school_identity.app.commands import (
    ChangePassword,
    ContinueLogin,
    GetMe,
    Login,
    LoginOutcome,
    LoginResult,
    Logout,
    StepUp,
    ValidateSession,
)
from school_identity.domain.model import Principal
from schoolkit.context import request_id_var

SERVICE_FULL_NAME = IDENTITY

OUTCOMES = {
    LoginOutcome.SIGNED_IN: identity_pb2.LOGIN_OUTCOME_SIGNED_IN,
    LoginOutcome.PASSWORD_CHANGE_REQUIRED: identity_pb2.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED,
    LoginOutcome.MFA_ENROLMENT_REQUIRED: identity_pb2.LOGIN_OUTCOME_MFA_ENROLMENT_REQUIRED,
    LoginOutcome.MFA_REQUIRED: identity_pb2.LOGIN_OUTCOME_MFA_REQUIRED,
}


def principal_message(p: Principal) -> identity_pb2.Principal:
    return identity_pb2.Principal(
        user_id=p.user_id,
        username=p.username,
        full_name=p.full_name,
        school_id=p.school_id,
        roles=list(p.roles),
        permissions=sorted(p.permissions),
        scopes=sorted(p.scopes),
        mfa_verified=p.mfa_verified,
        stepped_up_until=timestamp(p.stepped_up_until),
    )


def login_response(result: LoginResult) -> identity_pb2.LoginResponse:
    return identity_pb2.LoginResponse(
        session_id=result.session_id,
        principal=principal_message(result.principal),
        expires_at=timestamp(result.expires_at),
        outcome=OUTCOMES[result.outcome],
        challenge_id=result.challenge_id,
        mfa_secret=(
            identity_pb2.MfaSecret(secret=result.mfa_secret.secret, provisioning_uri=result.mfa_secret.provisioning_uri)
            if result.mfa_secret
            else None
        ),
    )


def account_message(view: AccountView) -> identity_pb2.Account:
    a = view.account
    return identity_pb2.Account(
        user_id=a.id,
        username=a.username,
        full_name=a.full_name,
        active=a.is_active,
        roles=list(view.roles),
        mfa_enrolled=view.mfa_enrolled,
        mfa_required=view.mfa_required,
        last_login_at=timestamp(a.last_login_at),
        password_changed_at=timestamp(a.password_changed_at),
        must_change_password=a.must_change_password,
        locked_until=timestamp(view.locked_until),
        staff_id=view.staff_id,
    )


class IdentityServicer(BaseServicer, identity_pb2_grpc.IdentityServiceServicer):
    """Thin: checks the caller's permission, builds a command, runs the use case, maps the result."""

    SERVICE_NAME = SERVICE_FULL_NAME

    def register(self, server: grpc.Server) -> str:
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(self, server)
        return SERVICE_FULL_NAME

    def Login(self, request: identity_pb2.LoginRequest, context: grpc.ServicerContext) -> identity_pb2.LoginResponse:
        self._require("Login")
        cmd = Login(
            username=request.username,
            password=request.password,
            client_ip=request.client_ip,
            user_agent=request.user_agent,
            request_id=request_id_var.get() or "",
        )
        with self._translated("Login", context):
            result = signin.login(cmd, self._deps)
        return login_response(result)

    def ContinueLogin(
        self, request: identity_pb2.ContinueLoginRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ContinueLoginResponse:
        self._require("ContinueLogin")
        cmd = ContinueLogin(
            challenge_id=request.challenge_id,
            new_password=request.new_password,
            totp_code=request.totp_code,
            recovery_code=request.recovery_code,
            client_ip=request.client_ip,
            request_id=request_id_var.get() or "",
        )
        with self._translated("ContinueLogin", context):
            result = signin.continue_login(cmd, self._deps)
        return identity_pb2.ContinueLoginResponse(
            result=login_response(result), recovery_codes=list(result.recovery_codes)
        )

    def ValidateSession(
        self, request: identity_pb2.ValidateSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ValidateSessionResponse:
        self._require("ValidateSession")
        with self._translated("ValidateSession", context):
            view = signin.validate_session(ValidateSession(session_id=request.session_id), self._deps)
        return identity_pb2.ValidateSessionResponse(
            principal=principal_message(view.principal), expires_at=timestamp(view.expires_at)
        )

    def Logout(self, request: identity_pb2.LogoutRequest, context: grpc.ServicerContext) -> identity_pb2.LogoutResponse:
        self._require("Logout")
        with self._translated("Logout", context):
            signin.logout(Logout(session_id=request.session_id, request_id=request_id_var.get() or ""), self._deps)
        return identity_pb2.LogoutResponse()

    def StepUp(self, request: identity_pb2.StepUpRequest, context: grpc.ServicerContext) -> identity_pb2.StepUpResponse:
        self._require("StepUp")
        cmd = StepUp(session_id=request.session_id, totp_code=request.totp_code, request_id=request_id_var.get() or "")
        with self._translated("StepUp", context):
            until = signin.step_up(cmd, self._deps)
        return identity_pb2.StepUpResponse(stepped_up_until=timestamp(until))

    def GetMe(self, request: identity_pb2.GetMeRequest, context: grpc.ServicerContext) -> identity_pb2.GetMeResponse:
        actor = self._require("GetMe")
        with self._translated("GetMe", context):
            principal = accounts.get_me(GetMe(user_id=actor.user_id, school_id=actor.school_id), self._deps)
        return identity_pb2.GetMeResponse(principal=principal_message(principal))

    def ChangePassword(
        self, request: identity_pb2.ChangePasswordRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ChangePasswordResponse:
        actor = self._require("ChangePassword")
        cmd = ChangePassword(
            current_password=request.current_password,
            new_password=request.new_password,
            keep_session_id=request.keep_session_id,
        )
        with self._translated("ChangePassword", context):
            accounts.change_password(actor, cmd, self._deps)
        return identity_pb2.ChangePasswordResponse()

    def StartMfaEnrolment(
        self, request: identity_pb2.StartMfaEnrolmentRequest, context: grpc.ServicerContext
    ) -> identity_pb2.StartMfaEnrolmentResponse:
        actor = self._require("StartMfaEnrolment")
        with self._translated("StartMfaEnrolment", context):
            secret = accounts.start_mfa_enrolment(actor, self._deps)
        return identity_pb2.StartMfaEnrolmentResponse(
            mfa_secret=identity_pb2.MfaSecret(secret=secret.secret, provisioning_uri=secret.provisioning_uri)
        )

    def ConfirmMfaEnrolment(
        self, request: identity_pb2.ConfirmMfaEnrolmentRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ConfirmMfaEnrolmentResponse:
        actor = self._require("ConfirmMfaEnrolment")
        with self._translated("ConfirmMfaEnrolment", context):
            codes = accounts.confirm_mfa_enrolment(actor, request.totp_code, self._deps)
        return identity_pb2.ConfirmMfaEnrolmentResponse(recovery_codes=codes)

    def DisableMfa(
        self, request: identity_pb2.DisableMfaRequest, context: grpc.ServicerContext
    ) -> identity_pb2.DisableMfaResponse:
        actor = self._require("DisableMfa")
        with self._translated("DisableMfa", context):
            accounts.disable_mfa(actor, request.totp_code, self._deps)
        return identity_pb2.DisableMfaResponse()

    def ResetPassword(
        self, request: identity_pb2.ResetPasswordRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ResetPasswordResponse:
        actor = self._require("ResetPassword")
        with self._translated("ResetPassword", context):
            code, expires = accounts.reset_password(actor, request.user_id, request.reason, self._deps)
        return identity_pb2.ResetPasswordResponse(one_time_code=code, expires_at=timestamp(expires))

    def SetAccountActive(
        self, request: identity_pb2.SetAccountActiveRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetAccountActiveResponse:
        actor = self._require("SetAccountActive")
        with self._translated("SetAccountActive", context):
            view = accounts.set_account_active(actor, request.user_id, request.active, request.reason, self._deps)
        return identity_pb2.SetAccountActiveResponse(account=account_message(view))

    def ListAccounts(
        self, request: identity_pb2.ListAccountsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ListAccountsResponse:
        actor = self._require("ListAccounts")
        with self._translated("ListAccounts", context):
            page = accounts.list_accounts(actor, request.query, request.page_size, request.page_token, self._deps)
        return identity_pb2.ListAccountsResponse(
            accounts=[account_message(v) for v in page.items], next_page_token=page.next_token
        )
