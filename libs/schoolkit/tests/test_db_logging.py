"""A database error never carries the bound values (comments, scores, results) into the logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from schoolkit.db import make_engine


def test_a_failed_statement_hides_its_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("text", String(100)))
    notes.metadata.create_all(engine)
    secret = "Em hay quên bài, cần phụ đạo thêm"
    with engine.begin() as conn:
        conn.execute(insert(notes).values(id=1, text=secret))
    with pytest.raises(IntegrityError) as info, engine.begin() as conn:
        conn.execute(insert(notes).values(id=1, text=secret))
    assert secret not in str(info.value)
    assert "hidden due to hide_parameters" in str(info.value)
    engine.dispose()
