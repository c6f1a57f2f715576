"""Identity's domain errors, each with the Vietnamese message the user will read."""

from __future__ import annotations

from collections.abc import Mapping

INVALID_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng"
SESSION_INVALID = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại"


class IdentityError(Exception):
    """Base of the errors identity's use cases raise on purpose."""

    default_message = "Yêu cầu không thực hiện được"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidValueError(IdentityError):
    """One or more inputs are malformed; ``fields`` maps each field name to its message."""

    default_message = "Dữ liệu không hợp lệ"

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(message or "Dữ liệu không hợp lệ: " + "; ".join(self.fields.values()))


class InvalidCredentialsError(IdentityError):
    """Unknown username, wrong password or disabled account: deliberately indistinguishable."""

    default_message = INVALID_CREDENTIALS


class SessionInvalidError(IdentityError):
    """The session is unknown, revoked, expired, or its account is disabled."""

    default_message = SESSION_INVALID


class AccountUnavailableError(IdentityError):
    """The account behind a user token no longer exists or has been disabled."""

    default_message = "Tài khoản không tồn tại hoặc đã bị khóa"


class UsernameTakenError(IdentityError):
    default_message = "Tên đăng nhập đã được sử dụng"


class SchoolNotFoundError(IdentityError):
    default_message = "Không tìm thấy trường"


class AccountNotFoundError(IdentityError):
    default_message = "Không tìm thấy tài khoản"
