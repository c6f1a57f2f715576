"""Start-of-year completeness (rà soát hồ sơ đầu năm): which required fields a record lacks.

Which fields are required is configuration (REQUIRED_RECORD_FIELDS); this module names the
fields that can be required and decides, for one student, which of them are missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from school_students.domain.guardian import GuardianDetails
from school_students.domain.record import StudentRecord

# Every field that can be required, with its Vietnamese label, in the order pages show them.
REQUIRABLE_FIELDS: dict[str, str] = {
    "csdl_id": "Mã định danh học sinh (CSDL ngành)",
    "citizen_id": "Số định danh cá nhân",
    "ethnicity": "Dân tộc",
    "nationality": "Quốc tịch",
    "place_of_birth": "Nơi sinh",
    "permanent_address": "Địa chỉ thường trú",
    "current_address": "Nơi ở hiện tại",
    "guardian": "Cha, mẹ hoặc người giám hộ",
    "guardian_phone": "Số điện thoại liên hệ của người giám hộ",
}
DEFAULT_REQUIRED = (
    "csdl_id",
    "citizen_id",
    "ethnicity",
    "nationality",
    "place_of_birth",
    "permanent_address",
    "current_address",
    "guardian",
    "guardian_phone",
)


def unknown_required(names: Iterable[str]) -> list[str]:
    """The configured names that are not requirable fields (a configuration mistake)."""
    return [name for name in names if name not in REQUIRABLE_FIELDS]


def missing_fields(record: StudentRecord, guardians: Sequence[GuardianDetails], required: Sequence[str]) -> list[str]:
    """The required fields this record lacks, in the order of ``required``."""
    present = {
        "csdl_id": bool(record.csdl_id),
        "citizen_id": bool(record.citizen_id),
        "ethnicity": bool(record.ethnicity),
        "nationality": bool(record.nationality),
        "place_of_birth": bool(record.place_of_birth),
        "permanent_address": bool(record.permanent_address.province_code and record.permanent_address.commune),
        "current_address": bool(record.current_address.province_code and record.current_address.commune),
        "guardian": bool(guardians),
        "guardian_phone": any(g.phone for g in guardians),
    }
    return [name for name in required if not present.get(name, False)]


@dataclass(frozen=True)
class Completeness:
    """How complete a group of records is: ``complete`` of ``total`` have no missing field."""

    total: int
    complete: int

    @property
    def percent(self) -> int:
        """Whole percent complete, rounded down (100 only when every record is complete)."""
        return 100 if self.total == 0 else self.complete * 100 // self.total
