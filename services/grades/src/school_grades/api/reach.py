"""Who reaches the whole school in grades.

Identity gives the scope "school" to anyone holding a school-wide role, and permissions are the
union of all of a person's roles. A teacher who also keeps the library (TV) would therefore read
every class's results with the grades permissions of their teaching role. Grades keeps the
whole-school reach only for the roles that answer for results (GRADES_SCHOOL_WIDE_ROLES: HT, PHT,
and VP, who prints the records); everyone else reaches only their own assignments here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from schoolkit.context import Caller

SCHOOL = "school"


def parse_roles(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def school_reach_view(roles: Iterable[str]) -> Callable[[Caller], Caller]:
    """A caller view for schoolkit's gRPC server: drop "school" unless a role in ``roles`` is held."""
    wide = frozenset(roles)

    def view(caller: Caller) -> Caller:
        if SCHOOL not in caller.scopes or wide & set(caller.roles) or caller.is_service:
            return caller
        return replace(caller, scopes=caller.scopes - {SCHOOL})

    return view
