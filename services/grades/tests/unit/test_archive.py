"""The archive hash chain: it verifies as written, and any change to a file, an entry or the order
is found at the first entry that no longer holds."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from school_grades.domain.archive import GENESIS, ArchiveEntry, append, sha256_hex, verify


def archive(files: list[tuple[str, bytes]]) -> tuple[list[ArchiveEntry], dict[str, bytes]]:
    chain: list[ArchiveEntry] = []
    store: dict[str, bytes] = {}
    for name, data in files:
        chain.append(
            append(chain, school_id="s-1", school_year="2025-2026", period="CN", kind="HOC_BA", name=name, data=data)
        )
        store[name] = data
    return chain, store


FILES = [(f"hoc-ba-{n}.pdf", f"%PDF học bạ {n}".encode()) for n in range(1, 6)]


def test_a_chain_verifies_and_links_each_entry_to_the_previous() -> None:
    chain, store = archive(FILES)
    assert chain[0].previous_link == GENESIS
    assert all(b.previous_link == a.link for a, b in itertools.pairwise(chain))
    assert [e.sequence for e in chain] == [1, 2, 3, 4, 5]
    assert chain[2].file_sha256 == sha256_hex(FILES[2][1])
    result = verify(chain, lambda e: store.get(e.name))
    assert (result.ok, result.checked, result.broken_at) == (True, 5, None)


def test_a_changed_file_is_found() -> None:
    chain, store = archive(FILES)
    store["hoc-ba-3.pdf"] = b"%PDF hoc ba 3 (sua diem)"
    result = verify(chain, lambda e: store.get(e.name))
    assert (result.ok, result.broken_at) == (False, 3)
    assert "đã bị thay đổi" in result.problem


def test_a_missing_file_a_changed_entry_and_a_removed_entry_are_found() -> None:
    chain, store = archive(FILES)
    del store["hoc-ba-4.pdf"]
    assert verify(chain, lambda e: store.get(e.name)).broken_at == 4
    chain, store = archive(FILES)
    # Someone swaps in another file and fixes its hash in the entry: the link no longer matches.
    forged = b"%PDF khac"
    store["hoc-ba-2.pdf"] = forged
    chain[1] = replace(chain[1], file_sha256=sha256_hex(forged))
    result = verify(chain, lambda e: store.get(e.name))
    assert (result.ok, result.broken_at) == (False, 2)
    assert "đã bị sửa" in result.problem
    chain, store = archive(FILES)
    del chain[2]
    assert verify(chain, lambda e: store.get(e.name)).broken_at == 4


@given(st.lists(st.binary(max_size=64), min_size=1, max_size=8), st.data())
def test_any_single_byte_change_in_any_file_breaks_verification(contents: list[bytes], data: st.DataObject) -> None:
    files = [(f"f{i}.pdf", c) for i, c in enumerate(contents)]
    chain, store = archive(files)
    assert verify(chain, lambda e: store.get(e.name)).ok
    victim = data.draw(st.integers(0, len(files) - 1))
    name, body = files[victim]
    store[name] = body + b"\x00" if not body else bytes([body[0] ^ 1]) + body[1:]
    result = verify(chain, lambda e: store.get(e.name))
    assert (result.ok, result.broken_at) == (False, victim + 1)
