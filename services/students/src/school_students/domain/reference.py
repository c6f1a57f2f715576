"""Reference lists of the student record (ethnic groups, provinces, policy categories...).

The lists change with the law and the administrative map, so they are data: the reviewed file
``school_students/data/reference_vn.json`` shipped in the package, read once at start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

LISTS = ("ethnic_groups", "provinces", "policy_categories", "disability_types", "guardian_relations")


@dataclass(frozen=True)
class ReferenceData:
    """Each list maps a code to its Vietnamese name, in the file's order."""

    ethnic_groups: Mapping[str, str]
    provinces: Mapping[str, str]
    policy_categories: Mapping[str, str]
    disability_types: Mapping[str, str]
    guardian_relations: Mapping[str, str]


def parse_reference(raw: Mapping[str, Any]) -> ReferenceData:
    """Build the lists from the parsed file; a missing list or a repeated code is a broken file."""
    lists: dict[str, Mapping[str, str]] = {}
    for name in LISTS:
        entries: Sequence[Sequence[str]] = raw.get(name) or ()
        if not entries:
            raise ValueError(f"reference list {name!r} is missing or empty")
        table: dict[str, str] = {}
        for code, label in entries:
            if code in table:
                raise ValueError(f"reference list {name!r} repeats code {code!r}")
            table[str(code)] = str(label)
        lists[name] = MappingProxyType(table)
    return ReferenceData(**lists)


def load_reference() -> ReferenceData:
    """The lists shipped with the service."""
    text = resources.files("school_students").joinpath("data/reference_vn.json").read_text(encoding="utf-8")
    return parse_reference(json.loads(text))
