"""In-memory fakes of identity's ports, so the use cases run without a database or Argon2."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

import pytest

from school_identity.app.deps import Deps
from school_identity.domain.errors import UsernameTakenError
from school_identity.domain.events import DomainEvent
from school_identity.domain.model import Account, AuditEntry, School, Session
from school_identity.domain.sessions import SessionPolicy


@dataclass
class Store:
    """The fake database: what has been committed."""

    schools: dict[str, School] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: list[DomainEvent] = field(default_factory=list)
    commits: int = 0
    touches: int = 0


class FakeSchoolRepository:
    def __init__(self, data: dict[str, School]) -> None:
        self.data = data

    def add(self, school: School) -> None:
        self.data[school.id] = school

    def get(self, school_id: str) -> School | None:
        return self.data.get(school_id)


class FakeAccountRepository:
    def __init__(self, data: dict[str, Account]) -> None:
        self.data = data

    def add(self, account: Account) -> None:
        if self.get_by_username(account.username) is not None:
            raise UsernameTakenError()
        self.data[account.id] = copy.copy(account)

    def get(self, account_id: str) -> Account | None:
        found = self.data.get(account_id)
        return copy.copy(found) if found else None

    def get_by_username(self, username: str) -> Account | None:
        found = next((a for a in self.data.values() if a.username == username), None)
        return copy.copy(found) if found else None

    def update(self, account: Account) -> None:
        self.data[account.id] = copy.copy(account)


class FakeSessionRepository:
    def __init__(self, data: dict[str, Session], store: Store) -> None:
        self.data = data
        self._store = store

    def add(self, session: Session) -> None:
        self.data[session.key] = copy.copy(session)

    def get(self, key: str) -> Session | None:
        found = self.data.get(key)
        return copy.copy(found) if found else None

    def touch(self, key: str, at: datetime) -> None:
        s = self.data.get(key)
        if s is not None and s.revoked_at is None:
            s.last_seen_at = at
            self._store.touches += 1

    def revoke(self, key: str, at: datetime) -> bool:
        s = self.data.get(key)
        if s is None or s.revoked_at is not None:
            return False
        s.revoked_at = at
        return True

    def revoke_all_for(self, account_id: str, at: datetime) -> int:
        live = [s for s in self.data.values() if s.account_id == account_id and s.revoked_at is None]
        for s in live:
            s.revoked_at = at
        return len(live)


class FakeAuditLog:
    def __init__(self, rows: list[AuditEntry]) -> None:
        self.rows = rows

    def append(self, entry: AuditEntry) -> None:
        self.rows.append(entry)


class FakeUnitOfWork:
    """Works on copies of the store; commit() publishes them, like a transaction would."""

    def __init__(self, store: Store, read_only: bool) -> None:
        self._store = store
        self._read_only = read_only

    def _open(self) -> None:
        self._work = copy.deepcopy(self._store)
        self._events: list[DomainEvent] = []
        self.accounts = FakeAccountRepository(self._work.accounts)
        self.sessions = FakeSessionRepository(self._work.sessions, self._work)
        self.schools = FakeSchoolRepository(self._work.schools)
        self.audit = FakeAuditLog(self._work.audit)

    def __enter__(self) -> FakeUnitOfWork:
        self._open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._events = []

    def record(self, event: DomainEvent) -> None:
        assert not self._read_only, "read-only unit of work cannot record events"
        self._events.append(event)

    def commit(self) -> None:
        assert not self._read_only, "read-only unit of work cannot commit writes"
        self._work.outbox.extend(self._events)
        self._events = []
        self._work.commits += 1
        for name in ("schools", "accounts", "sessions", "audit", "outbox", "commits", "touches"):
            setattr(self._store, name, copy.deepcopy(getattr(self._work, name)))

    def rollback(self) -> None:
        self._open()


class FakeUnitOfWorkFactory:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, *, read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, read_only)


class FakePasswordHasher:
    """Readable "hashes" tagged with a cost; needs_rehash when the tag is below the current cost."""

    def __init__(self, cost: int = 2) -> None:
        self.cost = cost
        self.verified: list[str] = []

    @property
    def dummy_hash(self) -> str:
        return f"fake${self.cost}$<dummy-secret>"

    def hash(self, password: str) -> str:
        return f"fake${self.cost}${password}"

    def verify(self, stored_hash: str, password: str) -> bool:
        self.verified.append(stored_hash)
        parts = stored_hash.split("$", 2)
        return len(parts) == 3 and parts[0] == "fake" and parts[2] == password

    def needs_rehash(self, stored_hash: str) -> bool:
        return int(stored_hash.split("$", 2)[1]) < self.cost


class Counter:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n}"


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def deps(store: Store, hasher: FakePasswordHasher, clock: Callable[[], datetime]) -> Deps:
    return Deps(
        uow=FakeUnitOfWorkFactory(store),
        hasher=hasher,
        policy=SessionPolicy(),
        clock=clock,
        new_session_id=Counter("raw-session"),
        new_id=Counter("account"),
    )


PASSWORD = "mật khẩu đúng 2026"
SCHOOL_ID = "school-1"


@pytest.fixture
def account(deps: Deps, store: Store) -> Account:
    """A GVCN account in a school, created through the use case (so AccountCreated is recorded)."""
    from school_identity.app.accounts import create_account
    from school_identity.app.commands import CreateAccount

    store.schools[SCHOOL_ID] = School(id=SCHOOL_ID, code="TH-A", name="Trường Tiểu học A")
    return create_account(
        CreateAccount(
            school_id=SCHOOL_ID,
            username="GVCN",
            full_name="Phạm Thị  Lan Anh",
            password=PASSWORD,
            roles=("GVCN",),
            actor="test",
        ),
        deps,
    )


@pytest.fixture
def password() -> str:
    return PASSWORD
