"""CloudEvents 1.0 in Kafka binary mode: attributes in ``ce_*`` headers, the proto as the value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type")


class EnvelopeError(ValueError):
    """A Kafka record is not a valid CloudEvent (missing or malformed attributes)."""


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    data: bytes
    subject: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Extension attributes without the ce_ prefix: correlationid, actor, traceparent,
    # dataclassification, sequence, partitionkey.
    extensions: Mapping[str, str] = field(default_factory=dict)

    def to_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.id),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_time", self.time.astimezone(UTC).isoformat().replace("+00:00", "Z")),
            ("content-type", CONTENT_TYPE),
        ]
        if self.subject:
            headers.append(("ce_subject", self.subject))
        for name, value in sorted(self.extensions.items()):
            if value:
                # traceparent is a W3C header of its own, not a ce_ attribute, in the Kafka binding.
                headers.append((name if name == "traceparent" else f"ce_{name}", value))
        return [(k, v.encode()) for k, v in headers]

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes | None]], data: bytes | None) -> CloudEvent:
        h: dict[str, str] = {}
        for key, value in headers or ():
            try:
                h[key] = (value or b"").decode()
            except UnicodeDecodeError:
                raise EnvelopeError(f"header {key} is not UTF-8") from None
        missing = [k for k in REQUIRED if not h.get(k)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if h["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported specversion {h['ce_specversion']}")
        try:
            when = (
                datetime.fromisoformat(h["ce_time"].replace("Z", "+00:00")) if h.get("ce_time") else datetime.now(UTC)
            )
        except ValueError:
            raise EnvelopeError("ce_time is not RFC 3339") from None
        core = {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"}
        ext = {k[3:]: v for k, v in h.items() if k.startswith("ce_") and k not in core}
        if "traceparent" in h:
            ext["traceparent"] = h["traceparent"]
        return cls(
            id=h["ce_id"],
            source=h["ce_source"],
            type=h["ce_type"],
            subject=h.get("ce_subject", ""),
            time=when,
            data=data or b"",
            extensions=ext,
        )
