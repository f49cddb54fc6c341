"""Attachments: type by content, size limit, stored by hash and checked on read."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from opencustoms.cases.attachments import add_attachment, read_attachment, storage_dir
from opencustoms.cases.policy import load_policy
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import create_case, get_case
from opencustoms.errors import Conflict, InvalidInput, NotFound

from .conftest import ANA, KIM, LEE, Importer, alert

PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 32


def _case(engine: Engine, load: Importer) -> int:
    load([alert("A1", "C1")], office="40")
    ids = [r.id for r in list_alerts(engine=engine, actor=ANA)[1]]
    return create_case(engine=engine, actor=KIM, alert_ids=ids).id


def test_types_by_content_not_by_name(engine: Engine, load: Importer) -> None:
    case_id = _case(engine, load)
    a = add_attachment(
        engine=engine, actor=KIM, case_id=case_id, filename="../../etc/invoice.pdf", content=PNG
    )
    assert (a.media_type, a.filename, a.size) == ("image/png", "invoice.pdf", len(PNG))
    csv = add_attachment(
        engine=engine, actor=KIM, case_id=case_id, filename="bank.csv",
        content="날짜,금액\n2026-01-02,1000\n".encode(),
    )  # fmt: skip
    assert csv.media_type == "text/plain"
    with pytest.raises(InvalidInput, match="not an allowed type"):
        add_attachment(
            engine=engine, actor=KIM, case_id=case_id, filename="x.pdf", content=b"MZ\x90\x00"
        )
    meta, content = read_attachment(engine=engine, actor=KIM, case_id=case_id, attachment_id=a.id)
    assert content == PNG and meta.sha256 == a.sha256
    assert [
        f.filename for f in get_case(engine=engine, actor=KIM, case_id=case_id).attachments
    ] == [
        "invoice.pdf",
        "bank.csv",
    ]


def test_size_limit_and_visibility(engine: Engine, load: Importer) -> None:
    case_id = _case(engine, load)
    limit = load_policy().attachments[0].max_bytes
    with pytest.raises(InvalidInput, match="limit"):
        add_attachment(
            engine=engine, actor=KIM, case_id=case_id, filename="big.pdf",
            content=b"%PDF-" + b"0" * limit,
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        add_attachment(engine=engine, actor=KIM, case_id=case_id, filename="e.txt", content=b"")
    with pytest.raises(NotFound):
        add_attachment(engine=engine, actor=LEE, case_id=case_id, filename="a.png", content=PNG)


def test_a_file_swapped_on_disk_is_refused(engine: Engine, load: Importer) -> None:
    case_id = _case(engine, load)
    a = add_attachment(engine=engine, actor=KIM, case_id=case_id, filename="a.png", content=PNG)
    (storage_dir() / a.sha256).write_bytes(PNG + b"tampered")
    with pytest.raises(Conflict, match="no longer matches"):
        read_attachment(engine=engine, actor=KIM, case_id=case_id, attachment_id=a.id)
    with pytest.raises(NotFound):
        read_attachment(engine=engine, actor=LEE, case_id=case_id, attachment_id=a.id)
