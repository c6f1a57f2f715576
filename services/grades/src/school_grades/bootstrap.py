"""Composition root: builds the engine, readers, use cases and servicers from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import grpc
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from school_grades.adapters.gradebook_repository import gradebook_unit_of_work
from school_grades.adapters.repositories import SqlAlchemyRosterReader
from school_grades.adapters.results_repository import results_unit_of_work
from school_grades.api.gradebook_servicer import GradebookServicer
from school_grades.api.reach import parse_roles, school_reach_view
from school_grades.api.results_servicer import ResultsServicer
from school_grades.api.servicer import GradesServicer
from school_grades.app.gradebook import GradebookUseCases
from school_grades.app.queries import RosterQueries
from school_grades.app.records import RecordsUseCases
from school_grades.app.results import ResultsUseCases
from school_grades.config import Settings
from school_grades.domain.records import RecordsLayout, YearOutcomeInfo
from school_grades.domain.results import Decision
from schoolkit.context import Caller
from schoolkit.db import make_engine, make_session_factory, migrations_current, ping
from schoolkit.logging import get_logger
from schoolkit.spreadsheets import OpenpyxlSpreadsheets

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Servicer(Protocol):
    def register(self, server: grpc.Server) -> str:
        """Add the servicer to ``server``; return its full service name (for health)."""
        ...


@dataclass
class Container:
    """The wired service; processes (serve, consume, relay) take what they need from it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    queries: RosterQueries
    servicer: GradesServicer
    # Every other gRPC service of the process (grade book, results, checks, records), one line each in build().
    more_servicers: list[Servicer] = field(default_factory=list)

    @property
    def registrations(self) -> list[Callable[[grpc.Server], str]]:
        """What start_server registers: GradesService first, then the others."""
        return [self.servicer.register, *(s.register for s in self.more_servicers)]

    @property
    def caller_view(self) -> Callable[[Caller], Caller]:
        """Whole-school reach only for the grades leadership roles (api/reach.py)."""
        return school_reach_view(parse_roles(self.settings.grades_school_wide_roles))

    def ready(self) -> bool:
        """Health: serve only when the database answers and its schema is the newest."""
        return ping(self.engine) and migrations_current(MIGRATIONS_DIR, self.engine)


def build(settings: Settings, *, clock: Clock = utc_now) -> Container:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    queries = RosterQueries(SqlAlchemyRosterReader(sessions))
    container = Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        queries=queries,
        servicer=GradesServicer(queries, class_place(sessions)),
    )
    gradebook = GradebookUseCases(gradebook_unit_of_work(sessions), clock, settings.windows)
    container.more_servicers.append(GradebookServicer(gradebook, OpenpyxlSpreadsheets()))
    container.more_servicers.extend(checks_servicers(container))
    container.more_servicers.append(
        ResultsServicer(
            ResultsUseCases(
                results_unit_of_work(sessions),
                clock,
                grade5_principal_pass=Decision(settings.results_grade5_principal_promotion),
            )
        )
    )
    container.more_servicers.append(records_servicer(settings, sessions, clock))
    return container


def class_place(sessions: sessionmaker[Session]) -> Callable[[str, str], tuple[str, int] | None]:
    """A class's year and grade level, for reach by grade (a TTCM reads the department's grades)."""
    from school_grades.adapters.structure_repository import SqlAlchemyStructureRepository
    from schoolkit.db import read_only

    def place(school_id: str, class_id: str) -> tuple[str, int] | None:
        with read_only(sessions) as session:
            facts = SqlAlchemyStructureRepository(session).class_facts(school_id, class_id)
        return (facts.school_year_id, facts.grade_level) if facts else None

    return place


def checks_servicers(container: Container) -> list[Servicer]:
    """CheckService and LockService (issue 5 points 5–6) over one set of use cases."""
    from school_grades.adapters.checks_repository import checks_store_factory
    from school_grades.api.checks_servicer import CheckServicer, LockServicer
    from school_grades.app.checks import ChecksUseCases

    use_cases = ChecksUseCases(
        checks_store_factory(container.sessions),
        separation_of_duties=container.settings.lock_separation_of_duties,
        clock=container.clock,
    )
    return [CheckServicer(use_cases), LockServicer(use_cases)]


VIETNAM = timezone(timedelta(hours=7))


def records_servicer(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> Servicer:
    """Records (issue 5 point 7): a missing font or a certificate that does not open stops the start;
    no certificate at all leaves printing on and archiving refused until one is configured."""
    from school_grades.adapters.file_store import FolderFileStore
    from school_grades.adapters.pdf_reportlab import ReportLabRecords
    from school_grades.adapters.records_source import SqlRecordSource, load_school_headings
    from school_grades.adapters.repositories_records import SqlAlchemyArchiveRepository
    from school_grades.adapters.signing import PadesSigner
    from school_grades.adapters.year_result_source import SqlYearResultSource
    from school_grades.api.records_servicer import RecordsServicer

    signer = None
    if Path(settings.records_signing_p12_file).exists():
        signer = PadesSigner(settings.records_signing_p12_file, settings.records_signing_p12_password_file)
    else:
        log.warning("records.signing_not_configured", p12_file=settings.records_signing_p12_file)
    layout = RecordsLayout(show_health=settings.records_show_health, show_days_absent=settings.records_show_days_absent)
    # The identity page's family fields come with each request (the gateway reads them from students).
    source = SqlRecordSource(
        sessions,
        headings=load_school_headings(settings.records_schools_file),
        layout=layout,
        year_results=SqlYearResultSource(sessions, YearOutcomeInfo),
    )

    def today() -> date:
        return clock().astimezone(VIETNAM).date()

    use_cases = RecordsUseCases(
        source,
        ReportLabRecords(settings.records_font_dir),
        SqlAlchemyArchiveRepository(sessions),
        FolderFileStore(settings.records_archive_dir),
        signer,
        clock,
        today,
    )
    return RecordsServicer(use_cases)
