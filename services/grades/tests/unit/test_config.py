"""Grades settings: defaults and fail-fast validation."""

from __future__ import annotations

import pytest

from school_grades.config import load_settings
from school_grades.events.inbound import sequence_of
from schoolkit.config import ConfigError
from schoolkit.events.cloudevents import CloudEvent


def test_defaults() -> None:
    s = load_settings({})
    assert s.database_url == "sqlite:///var/grades/grades.db"
    assert s.grpc_bind == "127.0.0.1:50053"
    assert s.kafka_max_poll_interval_ms == 300_000


def test_every_problem_is_listed() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"KAFKA_MAX_POLL_INTERVAL_MS": "10", "GRPC_BIND": "nowhere"})
    assert set(info.value.problems) == {"KAFKA_MAX_POLL_INTERVAL_MS", "GRPC_BIND"}


@pytest.mark.parametrize(("ext", "seq"), [({"sequence": "42"}, 42), ({}, None), ({"sequence": "x"}, None)])
def test_sequence_extension(ext: dict[str, str], seq: int | None) -> None:
    assert sequence_of(CloudEvent(id="e", source="/s", type="t", data=b"", extensions=ext)) == seq


def test_entry_windows_are_checked_at_start() -> None:
    assert load_settings({}).windows  # the defaults parse
    with pytest.raises(ConfigError) as info:
        load_settings({"GRADEBOOK_WINDOWS": "GK1=15/10-30/11", "LOCK_SEPARATION_OF_DUTIES": "maybe"})
    assert set(info.value.problems) == {"GRADEBOOK_WINDOWS", "LOCK_SEPARATION_OF_DUTIES"}


def test_grade_five_principal_promotion_is_one_of_two_decisions() -> None:
    assert load_settings({}).results_grade5_principal_promotion == "LEN_LOP"
    chosen = load_settings({"RESULTS_GRADE5_PRINCIPAL_PROMOTION": "HOAN_THANH_CT_TIEU_HOC"})
    assert chosen.results_grade5_principal_promotion == "HOAN_THANH_CT_TIEU_HOC"
    with pytest.raises(ConfigError) as info:
        load_settings({"RESULTS_GRADE5_PRINCIPAL_PROMOTION": "O_LAI_LOP"})
    assert set(info.value.problems) == {"RESULTS_GRADE5_PRINCIPAL_PROMOTION"}
