"""The package folder: the one Folio suggests, Folio creates; a typed one is checked and explained in Chinese."""

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.delivery.exceptions import ExportRefused
from app.delivery.models import DeliveryExport
from app.delivery.service import check_target, delivery_root
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records


def test_the_suggested_folder_is_created_and_the_export_filed(
    client: TestClient, session: Session, image_store: Path
) -> None:
    acc = accepted_records(client, session)
    enrol(session, acc.manager)
    token = sign_in(client, acc.manager)
    root = delivery_root(image_store)
    shutil.rmtree(root, ignore_errors=True)  # a fresh installation: var/delivery does not exist yet
    home = client.get("/delivery")
    suggested = re.search(r'id="target" name="target" value="([^"]+)"', home.text).group(1)
    assert Path(suggested).parent == root and not root.exists()
    r = client.post(
        "/delivery/exports", data={"csrf_token": token, "target": suggested, "reason": ""}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    assert root.is_dir()
    assert session.exec(select(DeliveryExport.target)).one() == suggested


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("{tmp}/no-such-disk/2026-12", "target_parent_missing", "服务器上不存在文件夹"),
        ("delivery/2026-12", "target_not_absolute", "绝对路径"),
        ("{tmp}/full", "target_not_empty", "不是空文件夹"),
        ("{store}/pkg", "target_in_image_store", "图像库"),
    ],
)
def test_a_typed_folder_is_checked_and_explained_in_chinese(
    client: TestClient, session: Session, image_store: Path, tmp_path: Path, typed: str, code: str, words: str
) -> None:
    acc = accepted_records(client, session)
    enrol(session, acc.manager)
    token = sign_in(client, acc.manager)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    target = typed.format(tmp=tmp_path, store=image_store)
    r = client.post("/delivery/exports", data={"csrf_token": token, "target": target, "reason": ""})
    assert r.status_code == 422
    error = re.search(r'id="export-error">([^<]+)<', r.text).group(1)
    assert words in error and f"错误代码: {code}" in error, error
    assert target in r.text  # the typed folder stays in the form
    assert session.exec(select(DeliveryExport)).all() == []  # nothing was filed
    assert not (tmp_path / "no-such-disk").exists()  # a typed folder is never created


def test_check_target_names_the_folder_it_refuses(tmp_path: Path) -> None:
    with pytest.raises(ExportRefused) as refused:
        check_target(str(tmp_path / "a" / "b"), image_store=tmp_path / "store")
    assert (refused.value.code, refused.value.path) == ("target_parent_missing", str(tmp_path / "a"))
    # Folio's own delivery folder beside the store is created on demand.
    store = tmp_path / "var" / "images"
    assert check_target(str(tmp_path / "var" / "delivery" / "P-1"), image_store=store).parent.is_dir()
