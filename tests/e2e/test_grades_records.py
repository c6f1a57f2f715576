"""Records through the whole stack (issue 5 point 7): the launcher made the demo school's signing
certificate, the principal prints class 1A's học bạ, archives its end-of-semester summary sheet, and
the archived file carries a signature that validates against the demo CA; the chain check holds."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from school_grades.adapters.signing import PadesValidator
from tests.results_seed import set_lock
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_the_principal_prints_archives_and_the_signature_holds(stack: Stack, head: Api) -> None:
    one_a = next(c for c in head.items("/api/v1/classes") if c["name"] == "1A")
    # grades learns the class and its pupils from students' events.
    pupils = wait_until(lambda: head.get(f"/api/v1/classes/{one_a['id']}/roster").json()["items"], 60)
    assert pupils

    printed = head.get(f"/api/v1/classes/{one_a['id']}/records/hoc-ba")
    assert printed.status_code == 200, printed.text
    assert printed.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(printed.content)).pages).split())
    assert pupils[0]["full_name"] in text
    assert "HỌC BẠ" in text

    early = head.post(f"/api/v1/classes/{one_a['id']}/records/archive", {"period": "CK1"})
    assert early.status_code == 400  # nothing is signed before the principal locks the period
    set_lock(stack, one_a["id"], "CK1", True)
    try:
        made = head.post(f"/api/v1/classes/{one_a['id']}/records/archive", {"period": "CK1"})
    finally:
        set_lock(stack, one_a["id"], "CK1", False)  # the other tests keep entering 1A's results
    assert made.status_code == 201, made.text
    [entry] = made.json()["items"]
    assert entry["kind"] == "BANG_TONG_HOP"

    stored = head.get("/api/v1/records/archive/file", sequence=entry["sequence"])
    assert stored.status_code == 200
    assert hashlib.sha256(stored.content).hexdigest() == entry["file_sha256"]
    check = PadesValidator(stack.var / "keys" / "records-ca.pem").check(stored.content)
    assert check.valid, check.problem

    verdict = head.get("/api/v1/records/archive/verification").json()
    assert verdict["ok"] is True
    assert verdict["checked"] == verdict["total"] >= 1
