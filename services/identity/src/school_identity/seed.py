"""Demo data: the school "Trường Tiểu học Trung Vương" and one account per role (idempotent)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from school_identity.app.accounts import create_account, ensure_school
from school_identity.app.commands import CreateAccount, CreateSchool
from school_identity.app.deps import Deps
from school_identity.domain.errors import UsernameTakenError
from school_identity.domain.roles import ROLE_NAMES, Role

# Fixed so that other services' seeds can refer to the same school.
DEMO_SCHOOL_ID = "6f1c1a40-8d3e-4c5b-9a57-2e0b3c1d7f01"
DEMO_SCHOOL_CODE = "TH-TRUNGVUONG"
DEMO_SCHOOL_NAME = "Trường Tiểu học Trung Vương"
DEMO_PASSWORD = "TrungVuong@2026"  # noqa: S105 - published demo credential, documented in the README

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


def demo_account_id(username: str) -> str:
    """Deterministic ids, so other seeds (homeroom assignments, say) can name a demo teacher."""
    return str(uuid.uuid5(uuid.UUID(DEMO_SCHOOL_ID), username))


@dataclass(frozen=True)
class SeededAccount:
    username: str
    role: Role
    full_name: str
    account_id: str
    created: bool


def seed_demo(deps: Deps) -> list[SeededAccount]:
    """Create what is missing; running it twice changes nothing the second time."""
    ensure_school(CreateSchool(school_id=DEMO_SCHOOL_ID, code=DEMO_SCHOOL_CODE, name=DEMO_SCHOOL_NAME), deps)
    seeded: list[SeededAccount] = []
    for username, role, full_name in DEMO_ACCOUNTS:
        with deps.uow(read_only=True) as uow:
            existing = uow.accounts.get_by_username(username)
        created = False
        if existing is None:
            try:
                create_account(
                    CreateAccount(
                        school_id=DEMO_SCHOOL_ID,
                        username=username,
                        full_name=full_name,
                        password=DEMO_PASSWORD,
                        roles=(role.value,),
                        actor="system:seed-demo",
                        account_id=demo_account_id(username),
                    ),
                    deps,
                )
                created = True
            except UsernameTakenError:
                pass  # a concurrent seed got there first: the account exists, which is all we need
        account_id = existing.id if existing is not None else demo_account_id(username)
        seeded.append(SeededAccount(username, role, full_name, account_id, created))
    return seeded


def format_table(seeded: list[SeededAccount]) -> str:
    """The list printed after seeding: who can sign in, as what."""
    lines = [f"{DEMO_SCHOOL_NAME} ({DEMO_SCHOOL_CODE}, id {DEMO_SCHOOL_ID})", f"Mật khẩu chung: {DEMO_PASSWORD}", ""]
    width = max(len(s.username) for s in seeded)
    for s in seeded:
        mark = "mới tạo" if s.created else "đã có"
        lines.append(f"  {s.username:<{width}}  {s.role.value:<5} {ROLE_NAMES[s.role]:<28} {s.full_name} ({mark})")
    return "\n".join(lines)
