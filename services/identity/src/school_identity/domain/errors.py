"""Identity's domain errors, each with the Vietnamese message the user will read."""

from __future__ import annotations

from collections.abc import Mapping

INVALID_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng"
SESSION_INVALID = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại"
CHALLENGE_INVALID = "Lượt đăng nhập đã hết hạn hoặc không còn hiệu lực, vui lòng đăng nhập lại"
THROTTLED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {wait}"
FORBIDDEN = "Bạn không có quyền thực hiện thao tác này"
STEP_UP_REQUIRED = "Thao tác này cần xác thực lại bằng mã xác thực hai lớp (OTP) trong vài phút gần đây"


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


class ChallengeInvalidError(IdentityError):
    """A pending sign-in is unknown, expired, already used, or voided by too many wrong codes."""

    default_message = CHALLENGE_INVALID


class ThrottledError(IdentityError):
    """Too many failures for this name or address; try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        minutes = (retry_after_s + 59) // 60
        wait = f"{retry_after_s} giây" if retry_after_s < 60 else f"{minutes} phút"
        super().__init__(THROTTLED.format(wait=wait))


class AccountUnavailableError(IdentityError):
    """The account behind a user token no longer exists or has been disabled."""

    default_message = "Tài khoản không tồn tại hoặc đã bị khóa"


class AccessDeniedError(IdentityError):
    """The caller may not do this to this object (audited as a denial)."""

    default_message = FORBIDDEN

    def __init__(self, permission: str = "", message: str | None = None) -> None:
        self.permission = permission
        super().__init__(message)


class StepUpRequiredError(IdentityError):
    """The action needs a recent second-factor check of the session (bulk export)."""

    default_message = STEP_UP_REQUIRED


class PreconditionError(IdentityError):
    """The request is well-formed but the state of things does not allow it."""


class ConflictError(IdentityError):
    """Optimistic concurrency: the record changed since the caller read it."""

    default_message = "Hồ sơ đã được người khác sửa sau khi bạn mở; vui lòng tải lại rồi sửa tiếp"


class AlreadyExistsError(IdentityError):
    default_message = "Đã tồn tại"


class NotFoundError(IdentityError):
    default_message = "Không tìm thấy"


class UsernameTakenError(AlreadyExistsError):
    default_message = "Tên đăng nhập đã được sử dụng"


class SchoolNotFoundError(NotFoundError):
    default_message = "Không tìm thấy trường"


class AccountNotFoundError(NotFoundError):
    default_message = "Không tìm thấy tài khoản"
