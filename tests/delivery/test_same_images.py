"""Issue 16 (breakit-b16 #1): pages whose images are byte-identical (the same photo uploaded as three pages, so
also the same processed copy) each get their own line and their own file in the process metadata and METS; a
fresh package passes `folio delivery verify` for every contents and format."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import Session

from tests.delivery.helpers import accepted_records, delivered_rows
from tests.factories import page_jpeg

MRN = "00012345"
METS = "{http://www.loc.gov/METS/}"


@pytest.mark.parametrize(
    "profile",
    [
        {"contents": "processed", "format": "jpeg", "mets": True},
        {"contents": "both", "format": "tiff", "mets": True},
        {"contents": "masters", "mets": True},
    ],
    ids=["processed-jpeg", "both-tiff", "masters"],
)
def test_identical_images_on_three_pages(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path, profile: dict
) -> None:
    same = page_jpeg(7)
    acc = accepted_records(client, session, [(MRN, 4, {1: "首页"})], images={(MRN, n): same for n in (2, 3, 4)})
    client.app.state.qc.wait_later()
    acc.project.delivery_profile = profile
    session.add(acc.project)
    session.commit()
    target = tmp_path / "package"
    rows = delivered_rows(session, db, image_store, acc, target, 4)
    assert [r["页码"] for r in rows] == ["1", "2", "3", "4"]
    for role in ("处理后图像文件", "原始图像文件"):
        named = [r[role] for r in rows]
        if profile["contents"] == "masters" and role == "处理后图像文件":
            assert named == ["", "", "", ""]
            continue
        if profile["contents"] == "processed" and role == "原始图像文件":
            assert named == ["", "", "", ""]
            continue
        assert len(set(named)) == 4, named  # each page names its own file
        for n, name in enumerate(named, 1):
            assert Path(name).stem.endswith(f"_{n:04d}"), name
            assert (target / "data" / name).is_file()
    shas = {r["原始图像SHA-256"] for r in rows[1:]}
    assert len(shas) == 1  # the three pages really are one image

    mets = etree.parse(str(target / f"data/mets/{MRN}_1.xml"))
    hrefs = [
        f.get("{http://www.w3.org/1999/xlink}href")
        for f in mets.iter(f"{METS}FLocat")
        if not f.get("{http://www.w3.org/1999/xlink}href").endswith(".pdf")
    ]
    assert len(hrefs) == len(set(hrefs)) == (8 if profile["contents"] == "both" else 4), hrefs
