"""The operator-facing documents: AsyncAPI event catalogue kept in step with the protos, ADRs, stand-alone docs."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ASYNCAPI = DOCS / "events.asyncapi.yaml"
PROTOS = ROOT / "protos" / "school"
CE_REQUIRED = {"ce_specversion", "ce_id", "ce_source", "ce_type", "content-type"}


def event_messages() -> dict[str, str]:
    """Full proto name → topic, for every message in an events.proto (the bus's contract)."""
    found = {}
    for path in sorted(PROTOS.glob("*/v1/*events.proto")):
        text = path.read_text(encoding="utf-8")
        package = re.search(r"^package ([\w.]+);", text, flags=re.MULTILINE)
        assert package, path
        for name in re.findall(r"^message (\w+) \{", text, flags=re.MULTILINE):
            found[f"{package.group(1)}.{name}"] = package.group(1)  # topic name = proto package
    # An area's own proto (students/v1/records.proto, attendance.proto, ...) may declare events too:
    # a message whose comment starts "Name (event):" or, as in events.proto, "Name: ...".
    for path in sorted(PROTOS.glob("*/v1/*.proto")):
        if path.name == "events.proto":
            continue
        text = path.read_text(encoding="utf-8")
        package = re.search(r"^package ([\w.]+);", text, flags=re.MULTILINE)
        assert package, path
        named = re.findall(r"^// (\w+): .*\n(?://.*\n)*message \1 \{", text, flags=re.MULTILINE)
        marked = re.findall(r"^// (\w+) \(event\):", text, flags=re.MULTILINE)
        for name in {*named, *marked}:
            found[f"{package.group(1)}.{name}"] = package.group(1)
    return found


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external reference {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"unresolved $ref {ref}"
        assert part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        refs = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return refs + [r for value in node.values() for r in all_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in all_refs(value)]
    return []


@pytest.fixture(scope="module")
def asyncapi(yaml: ModuleType) -> dict[str, Any]:
    return yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))


def test_asyncapi_shape(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["defaultContentType"] == "application/protobuf"
    assert {"local", "production"} <= set(asyncapi["servers"])
    assert all(server["protocol"] == "kafka" for server in asyncapi["servers"].values())
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    assert addresses == {
        "school.identity.v1",
        "school.identity.v1.dlq",
        "school.students.v1",
        "school.students.v1.dlq",
        "school.grades.v1",
        "school.grades.v1.dlq",
    }
    for operation in asyncapi["operations"].values():
        assert operation["action"] in ("send", "receive")


def test_asyncapi_every_reference_resolves(asyncapi: dict[str, Any]) -> None:
    refs = all_refs(asyncapi)
    assert refs
    for ref in refs:
        resolve(asyncapi, ref)


def test_asyncapi_operation_messages_belong_to_their_channel(asyncapi: dict[str, Any]) -> None:
    for name, operation in asyncapi["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(channel_ref + "/messages/"), f"{name}: {message['$ref']}"


def test_asyncapi_documents_every_event_in_the_protos(asyncapi: dict[str, Any]) -> None:
    proto_events = event_messages()
    assert proto_events, "no events.proto found"
    documented = {}
    for channel in asyncapi["channels"].values():
        if channel["address"].endswith(".dlq"):
            continue
        for ref in channel["messages"].values():
            message = resolve(asyncapi, ref["$ref"])
            documented[message["payload"]["x-proto-message"]] = channel["address"]
    assert documented == proto_events


def test_asyncapi_event_messages_use_the_cloudevents_trait(asyncapi: dict[str, Any]) -> None:
    proto_events = event_messages()
    for name, message in asyncapi["components"]["messages"].items():
        if name == "DeadLetter":
            continue
        traits = [t["$ref"] for t in message.get("traits", [])]
        assert traits == ["#/components/messageTraits/CloudEventsBinary"], name
        assert message["payload"]["x-proto-message"] in proto_events
        assert message["payload"]["x-proto-message"].endswith("." + name)
    trait = asyncapi["components"]["messageTraits"]["CloudEventsBinary"]
    schema = resolve(asyncapi, trait["headers"]["$ref"])
    assert set(schema["required"]) >= CE_REQUIRED
    for extension in ("ce_correlationid", "ce_actor", "ce_partitionkey", "ce_sequence", "ce_dataclassification"):
        assert extension in schema["properties"]
    assert "traceparent" in schema["properties"]


def test_asyncapi_consumer_groups(asyncapi: dict[str, Any]) -> None:
    groups = [
        op["bindings"]["kafka"]["groupId"]
        for op in asyncapi["operations"].values()
        if op["action"] == "receive" and "kafka" in op.get("bindings", {})
    ]
    assert {"enum": ["grades.roster"], "type": "string"} in groups
    assert {"enum": ["students.grade-decisions"], "type": "string"} in groups
    assert any(g.get("pattern", "").startswith("^district") for g in groups)


ADR_TITLES = {
    1: "record architecture decisions",
    2: "internal tokens",
    3: "migrations",
    4: "outbox replay",
    5: "virtual environment",
    6: "sqlite",
    7: "protobuf",
}


def test_adrs_exist_with_every_section() -> None:
    adrs = sorted((DOCS / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    numbers = [int(p.name[:4]) for p in adrs]
    assert numbers[: len(ADR_TITLES)] == list(ADR_TITLES)
    for path in adrs:
        text = path.read_text(encoding="utf-8").lower()
        number = int(path.name[:4])
        if number in ADR_TITLES:
            assert ADR_TITLES[number] in text.splitlines()[0], f"{path.name}: title"
        for section in ("## context", "## decision", "## consequences", "## alternatives"):
            assert section in text, f"{path.name}: missing {section}"


def test_docs_stand_alone() -> None:
    """The repository's docs never point outside it (the shared planning folder is not shipped)."""
    owned = [
        *DOCS.rglob("*.md"),
        DOCS / "events.asyncapi.yaml",
        *(ROOT / "deploy" / "docker").rglob("*.md"),
        *(ROOT / "deploy" / "k8s").rglob("*.md"),
        *(ROOT / "services" / name / "README.md" for name in ("portal", "assets", "health")),
    ]
    for path in owned:
        text = path.read_text(encoding="utf-8")
        for outside in ("../shared", "shared/docs", "shared/mission"):
            assert outside not in text, f"{path} points outside the repository ({outside})"


@pytest.mark.parametrize("service", ["portal", "assets", "health"])
def test_future_service_readmes(service: str) -> None:
    text = (ROOT / "services" / service / "README.md").read_text(encoding="utf-8")
    assert "not built yet" in text.lower()
    assert re.search(r"R-(PO|EL|NV|YT)\d", text), "names the plan's requirements it will serve"
    assert "school." + service + ".v1" in text
