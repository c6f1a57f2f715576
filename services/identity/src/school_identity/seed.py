"""Demo data: the school "Trường Tiểu học Trung Vương", one account per role, TOTP for the roles that
require it, departments and staff records (idempotent).

DEMO ONLY: the accounts share a published password and do not have to change it at first sign-in,
and their TOTP secrets are derived from the username (``domain.mfa.demo_secret``) and printed, so
the demo and the end-to-end tests can sign in. Never seed a real school with this.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from school_identity.app.accounts import create_account, ensure_school
from school_identity.app.commands import CreateAccount, CreateSchool
from school_identity.app.common import entry
from school_identity.app.deps import Deps
from school_identity.domain import mfa
from school_identity.domain.errors import UsernameTakenError
from school_identity.domain.events import MfaEnrolled, StaffCreated
from school_identity.domain.model import Department, MfaFactor
from school_identity.domain.roles import ROLE_NAMES, Role
from school_identity.domain.staff import StaffRecord
from school_identity.domain.text import fold

# Fixed so that other services' seeds can refer to the same school.
DEMO_SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
DEMO_SCHOOL_CODE = "TH-TRUNGVUONG"
DEMO_SCHOOL_NAME = "Trường Tiểu học Trung Vương"
DEMO_PASSWORD = "TrungVuong@2026"  # noqa: S105 - published demo credential, documented in the README
SEED_ACTOR = "system:seed-demo"

DEMO_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("hieutruong", Role.HT, "Nguyễn Thị Thu Hà"),
    ("phohieutruong", Role.PHT, "Trần Văn Minh"),
    ("totruong", Role.TTCM, "Lê Thị Hồng Nhung"),
    ("gvcn", Role.GVCN, "Phạm Thị Lan Anh"),
    ("gvbm", Role.GVBM, "Hoàng Đức Thắng"),
    ("vanphong", Role.VP, "Vũ Thị Mai"),
    ("ketoan", Role.KT, "Đặng Thị Thanh Hương"),
    ("thuvien", Role.TV, "Bùi Thị Ngọc Ánh"),
    ("thietbi", Role.TB, "Đỗ Quang Huy"),
    ("yte", Role.YT, "Ngô Thị Phương"),
    ("phuhuynh", Role.CMHS, "Trịnh Văn Dũng"),
    ("quantri", Role.QTHT, "Phan Anh Tuấn"),
)

# The four subject groups of a primary school, plus the office group the non-teaching staff belong to.
DEMO_DEPARTMENTS = ("Tổ 1", "Tổ 2", "Tổ 3", "Tổ 4-5", "Tổ Văn phòng")


@dataclass(frozen=True)
class DemoStaff:
    """One staff record: citizen ids follow the CCCD structure (province, century/gender, year)."""

    username: str
    position: str
    gender: str
    date_of_birth: date
    citizen_id: str
    qualification: str
    phone: str
    start_date: date | None
    department: str
    address: str


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("hieutruong", "HT", "female", date(1974, 3, 12), "001174003851", "Thạc sĩ Quản lý giáo dục",
              "0912345601", date(2008, 8, 15), "", "12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội"),
    DemoStaff("phohieutruong", "PHT", "male", date(1978, 9, 25), "036078005127", "Đại học Sư phạm Tiểu học",
              "0912345602", date(2010, 8, 16), "", "45 Hàng Bài, Hoàn Kiếm, Hà Nội"),
    DemoStaff("totruong", "GV", "female", date(1982, 11, 3), "034182002745", "Đại học Sư phạm Tiểu học",
              "0912345603", date(2006, 9, 5), "Tổ 1", "8 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội"),
    DemoStaff("gvcn", "GV", "female", date(1988, 5, 17), "001188014562", "Đại học Sư phạm Tiểu học",
              "0912345604", date(2012, 8, 20), "Tổ 3", "27 Phố Huế, Hai Bà Trưng, Hà Nội"),
    DemoStaff("gvbm", "GV", "male", date(1990, 1, 29), "030090007318", "Đại học Sư phạm Tiếng Anh",
              "0912345605", date(2015, 8, 17), "Tổ 4-5", "102 Bà Triệu, Hai Bà Trưng, Hà Nội"),
    DemoStaff("vanphong", "NV", "female", date(1985, 7, 8), "001185006623", "Cao đẳng Văn thư lưu trữ",
              "0912345606", date(2011, 3, 1), "Tổ Văn phòng", "3 Lê Thánh Tông, Hoàn Kiếm, Hà Nội"),
    DemoStaff("ketoan", "NV", "female", date(1980, 12, 14), "001180009934", "Đại học Kế toán",
              "0912345607", date(2009, 1, 5), "Tổ Văn phòng", "56 Hai Bà Trưng, Hoàn Kiếm, Hà Nội"),
    # Deliberately incomplete (no citizen id, no qualification), for the completeness view.
    DemoStaff("thuvien", "NV", "female", date(1992, 4, 21), "", "",
              "0912345608", date(2018, 9, 1), "Tổ Văn phòng", "14 Tông Đản, Hoàn Kiếm, Hà Nội"),
    DemoStaff("thietbi", "NV", "male", date(1995, 6, 30), "001095011203", "Đại học Công nghệ thông tin",
              "0912345609", date(2019, 8, 12), "Tổ Văn phòng", "77 Nguyễn Du, Hai Bà Trưng, Hà Nội"),
    # Deliberately incomplete (no phone, no start date).
    DemoStaff("yte", "NV", "female", date(1987, 10, 2), "037187004418", "Cao đẳng Điều dưỡng",
              "", None, "Tổ Văn phòng", "21 Quang Trung, Hoàn Kiếm, Hà Nội"),
    DemoStaff("quantri", "NV", "male", date(1993, 2, 11), "079093004477", "Đại học Công nghệ thông tin",
              "0912345611", date(2020, 8, 3), "Tổ Văn phòng", "9 Tràng Thi, Hoàn Kiếm, Hà Nội"),
)  # fmt: skip


def demo_account_id(username: str) -> str:
    """Deterministic ids, so other seeds (homeroom assignments, say) can name a demo teacher."""
    return str(uuid.uuid5(uuid.UUID(DEMO_SCHOOL_ID), username))


def demo_staff_id(username: str) -> str:
    return str(uuid.uuid5(uuid.UUID(DEMO_SCHOOL_ID), f"staff:{username}"))


def demo_department_id(name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(DEMO_SCHOOL_ID), f"department:{fold(name)}"))


@dataclass(frozen=True)
class SeededAccount:
    username: str
    role: Role
    full_name: str
    account_id: str
    created: bool
    totp_secret: str | None = None


def _ensure_account(deps: Deps, username: str, role: Role, full_name: str) -> tuple[str, bool]:
    with deps.uow(read_only=True) as uow:
        existing = uow.accounts.get_by_username(username)
    if existing is not None:
        return existing.id, False
    try:
        create_account(
            CreateAccount(
                school_id=DEMO_SCHOOL_ID,
                username=username,
                full_name=full_name,
                password=DEMO_PASSWORD,
                roles=(role.value,),
                actor=SEED_ACTOR,
                account_id=demo_account_id(username),
                # Demo only: a real account starts with must_change_password (see CreateStaff).
                must_change_password=False,
            ),
            deps,
        )
    except UsernameTakenError:
        return demo_account_id(username), False  # a concurrent seed got there first
    return demo_account_id(username), True


def _ensure_totp(deps: Deps, account_id: str, username: str) -> str:
    secret = mfa.demo_secret(username)
    with deps.uow() as uow:
        factor = uow.mfa.get(account_id)
        if factor is None or not factor.enrolled:
            uow.mfa.save(
                MfaFactor(
                    account_id=account_id, secret_encrypted=deps.secrets.encrypt(secret), enrolled_at=deps.clock()
                )
            )
            uow.audit.append(
                entry(
                    deps,
                    actor=SEED_ACTOR,
                    action="mfa.enrolled",
                    school_id=DEMO_SCHOOL_ID,
                    target=account_id,
                    detail={"demo": True},
                )
            )
            uow.record(MfaEnrolled(user_id=account_id, school_id=DEMO_SCHOOL_ID))
            uow.commit()
        else:
            # An account re-enrolled by hand keeps its own secret; report that one, not the demo's.
            secret = deps.secrets.decrypt(factor.secret_encrypted or "")
    return secret


def _ensure_departments_and_staff(deps: Deps, account_ids: dict[str, str], names: dict[str, str]) -> None:
    with deps.uow() as uow:
        now = deps.clock()
        known = {fold(d.name): d.id for d in uow.departments.for_school(DEMO_SCHOOL_ID)}
        for name in DEMO_DEPARTMENTS:
            if fold(name) not in known:
                department = Department(id=demo_department_id(name), school_id=DEMO_SCHOOL_ID, name=name)
                uow.departments.add(department, fold(name))
                known[fold(name)] = department.id
        codes = {r.staff_code for r in uow.staff.for_school(DEMO_SCHOOL_ID)}
        for n, s in enumerate(DEMO_STAFF, start=1):
            user_id = account_ids[s.username]
            if uow.staff.get_by_user(user_id) is not None or uow.staff.get(demo_staff_id(s.username)) is not None:
                continue
            code = f"CB{n:04d}"
            if code in codes:
                continue
            record = StaffRecord(
                id=demo_staff_id(s.username),
                school_id=DEMO_SCHOOL_ID,
                staff_code=code,
                full_name=names[s.username],
                date_of_birth=s.date_of_birth,
                gender=s.gender,
                citizen_id=s.citizen_id,
                position=s.position,
                qualification=s.qualification,
                phone=s.phone,
                email=f"{s.username}@thtrungvuong.edu.vn",
                address=s.address,
                start_date=s.start_date,
                department_id=known[fold(s.department)] if s.department else "",
                employment_status="ACTIVE",
                user_id=user_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
            uow.staff.add(record)
            uow.audit.append(
                entry(deps, actor=SEED_ACTOR, action="staff.created", school_id=DEMO_SCHOOL_ID, target=record.id)
            )
            uow.record(
                StaffCreated(
                    staff_id=record.id,
                    school_id=DEMO_SCHOOL_ID,
                    full_name=record.full_name,
                    position=record.position,
                    department_id=record.department_id,
                    user_id=user_id,
                )
            )
        uow.commit()


def seed_demo(deps: Deps) -> list[SeededAccount]:
    """Create what is missing; running it twice changes nothing the second time."""
    ensure_school(CreateSchool(school_id=DEMO_SCHOOL_ID, code=DEMO_SCHOOL_CODE, name=DEMO_SCHOOL_NAME), deps)
    seeded: list[SeededAccount] = []
    for username, role, full_name in DEMO_ACCOUNTS:
        account_id, created = _ensure_account(deps, username, role, full_name)
        secret = _ensure_totp(deps, account_id, username) if role.value in deps.rules.mfa_required_roles else None
        seeded.append(SeededAccount(username, role, full_name, account_id, created, secret))
    _ensure_departments_and_staff(
        deps, {s.username: s.account_id for s in seeded}, {s.username: s.full_name for s in seeded}
    )
    return seeded


def format_table(seeded: list[SeededAccount]) -> str:
    """The list printed after seeding: who can sign in, as what, with which TOTP secret."""
    lines = [
        f"{DEMO_SCHOOL_NAME} ({DEMO_SCHOOL_CODE}, id {DEMO_SCHOOL_ID})",
        f"Mật khẩu chung (chỉ dùng cho bản demo): {DEMO_PASSWORD}",
        "Tài khoản có mã TOTP: thêm khóa bí mật vào ứng dụng xác thực (Google Authenticator, …)",
        "",
    ]
    width = max(len(s.username) for s in seeded)
    for s in seeded:
        mark = "mới tạo" if s.created else "đã có"
        totp = f"  TOTP {s.totp_secret}" if s.totp_secret else ""
        lines.append(
            f"  {s.username:<{width}}  {s.role.value:<5} {ROLE_NAMES[s.role]:<28} {s.full_name} ({mark}){totp}"
        )
    return "\n".join(lines)


def format_json(seeded: list[SeededAccount]) -> str:
    """Machine-readable credentials for the launcher and end-to-end tests."""
    return json.dumps(
        [
            {"username": s.username, "role": s.role.value, "password": DEMO_PASSWORD, "totp_secret": s.totp_secret}
            for s in seeded
        ],
        ensure_ascii=False,
        indent=2,
    )
