"""Ports of the grades context: storage of the roster and its change log, as Protocols."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from school_grades.domain.roster import RosterEntry
from schoolkit.pagination import PageRequest


class RosterRepository(Protocol):
    def get(self, student_id: str, *, for_update: bool = False) -> RosterEntry | None: ...

    def save(self, entry: RosterEntry) -> None:
        """Insert or replace the entry of ``entry.student_id``."""
        ...

    def delete(self, student_id: str) -> None:
        """Remove the entry (a record deleted or merged away in students)."""
        ...

    def change_applied(self, event_id: str) -> bool:
        """True when the change log already holds ``event_id`` (the event was applied before)."""
        ...

    def log_change(self, event_id: str, student_id: str, event_type: str, seq: int | None, at: datetime) -> None:
        """Append to the change log, in application order."""
        ...

    def list_class(self, school_id: str, class_id: str, page: PageRequest) -> list[RosterEntry] | None:
        """One class by Vietnamese name order, ``page.size + 1`` rows; None when the anchor is unknown."""
        ...

    def class_belongs_elsewhere(self, school_id: str, class_id: str) -> bool:
        """True when grades knows pupils of this class in another school than ``school_id``."""
        ...


RosterReader = Callable[[], AbstractContextManager[RosterRepository]]
"""Opens a read-only transaction and yields a repository bound to it."""
