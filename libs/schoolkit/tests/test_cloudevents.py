"""CloudEvents binary mode round-trips through Kafka headers; malformed envelopes are refused."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schoolkit.events.cloudevents import CloudEvent, EnvelopeError


def test_round_trip() -> None:
    ev = CloudEvent(
        id="e1",
        source="/schools/s1/students",
        type="school.students.v1.StudentEnrolled",
        subject="st-1",
        data=b"\x01\x02",
        time=datetime(2026, 9, 5, 7, 30, tzinfo=UTC),
        extensions={"correlationid": "r1", "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"},
    )
    headers = ev.to_headers()
    names = [k for k, _ in headers]
    assert "ce_specversion" in names
    assert "content-type" in names
    assert "traceparent" in names
    back = CloudEvent.from_headers(headers, ev.data)
    assert back == ev


def test_missing_required_header() -> None:
    with pytest.raises(EnvelopeError, match="ce_type"):
        CloudEvent.from_headers([("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_source", b"/s")], b"")


@given(st.lists(st.tuples(st.text(max_size=20), st.binary(max_size=40)), max_size=8), st.binary(max_size=50))
def test_arbitrary_headers_never_crash(headers, data) -> None:
    with contextlib.suppress(EnvelopeError):
        CloudEvent.from_headers(headers, data)
