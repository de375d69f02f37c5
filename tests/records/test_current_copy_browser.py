"""The viewer shows the page that will be delivered (break-it b16, findings 3, 6, 7), in chromium against a real
`folio serve` (screenshots: test-artifacts/current-copy-*.png):

- with a JPEG 2000 delivery profile, a page whose only copy is of the earlier (JPEG) settings shows the master and
  says the current copy is being made, never the stale copy as "processed"; once `folio store process` made the
  JP2 copy, the viewer shows it (a JPEG rendition made in the QC pool) at the copy's size, and the thumbnail too;
- the master of a shot with EXIF orientation 6 gives its size upright, as the image shown;
- a copy that kept the full frame says so (not "cropped and straightened")."""

import io
import subprocess
import sys

from PIL import Image
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.db import make_engine, writing
from app.pages.models import ProcessedImage
from app.projects.models import Project
from tests.conftest import shot
from tests.custody.test_browser import _sign_in as custody_sign_in
from tests.factories import page_jpeg
from tests.live import ROOT, LiveServer
from tests.records.test_versions_browser import _copies, _loaded, _masters, started_with_qc


def _exif6(data: bytes) -> bytes:
    """The same page stored turned a quarter, with EXIF orientation 6 (shown upright)."""
    im = Image.open(io.BytesIO(data))
    turned = im.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _set_profile(server: LiveServer, profile: dict) -> None:
    engine = make_engine(server.database_url)
    with Session(writing(engine)) as s:
        s.execute(update(Project).values(delivery_profile=profile))
        s.commit()
    engine.dispose()


def _full_frame(server: LiveServer, image_id: int) -> None:
    """The copy kept the full frame (qc's outline doubt is not what is tested here)."""
    engine = make_engine(server.database_url)
    with Session(writing(engine)) as s:
        steps = [{"step": "orientation", "exif_orientation": None}, {"step": "full_frame_kept", "reason": "x"}]
        s.execute(
            update(ProcessedImage).where(col(ProcessedImage.image_id) == image_id).values(needs_look=True, steps=steps)
        )
        s.commit()
    engine.dispose()


def _jp2_copy(server: LiveServer, image_id: int) -> ProcessedImage:
    engine = make_engine(server.database_url)
    with Session(engine) as s:
        row = s.exec(
            select(ProcessedImage).where(ProcessedImage.image_id == image_id, ProcessedImage.media_type == "image/jp2")
        ).one()
    engine.dispose()
    return row


def test_the_viewer_shows_the_copy_the_package_delivers(browser, live_server: LiveServer) -> None:
    headers = started_with_qc(live_server)
    plain = live_server.upload_page(headers, "880001", 1, page_jpeg(21))
    turned = live_server.upload_page(headers, "880001", 2, _exif6(page_jpeg(22)))
    whole = live_server.upload_page(headers, "880001", 3, page_jpeg(23))
    assert plain["verdict"] == turned["verdict"] == whole["verdict"] == "pass", (plain, turned, whole)
    _copies(live_server, [plain["image_id"], turned["image_id"], whole["image_id"]])
    _full_frame(live_server, whole["image_id"])
    record = f"{live_server.base_url}/records/{plain['record_id']}"
    context, pg = custody_sign_in(browser, live_server, "qc_live", second_factor=False)

    # a copy that kept the full frame: the note says so
    pg.goto(f"{record}/pages/{whole['page_id']}")
    note = pg.inner_text("#version-note")
    assert "保留拍摄的整幅画面" in note and "已裁切" not in note, note
    assert pg.get_attribute("#version-note", "data-done") == "full_frame"
    shot(pg, "current-copy-full-frame-note-zh")
    pg.goto(f"{record}/pages/{plain['page_id']}")
    assert "已裁切、纠偏" in pg.inner_text("#version-note")

    # the master of an EXIF-6 shot: the size line says the upright size, as the image shown
    stored = _masters(live_server, [turned["image_id"]])[turned["image_id"]]
    assert stored.width > stored.height  # stored on its side
    pg.goto(f"{record}/pages/{turned['page_id']}")
    pg.click("button[data-version=master]")
    pg.wait_for_function(f"() => document.getElementById('page-image').naturalWidth === {stored.height}")
    assert pg.inner_text("#version-size").startswith(f"{stored.height} × {stored.width}"), pg.inner_text(
        "#version-size"
    )
    shot(pg, "current-copy-exif6-master-zh")

    # the delivery profile turns JPEG 2000: the JPEG copy is stale, the viewer shows the master and says why
    _set_profile(live_server, {"format": "jp2"})
    pg.goto(f"{record}/pages/{plain['page_id']}")
    _loaded(pg)
    assert pg.get_attribute("#version-why", "data-why") == "outdated"
    assert "正在生成" in pg.inner_text("#version-why")
    assert pg.get_attribute("button[data-version=master]", "aria-pressed") == "true"
    master = _masters(live_server, [plain["image_id"]])[plain["image_id"]]
    assert pg.evaluate("document.getElementById('page-image').naturalWidth") == master.width
    shot(pg, "current-copy-outdated-zh")
    image_url = f"{live_server.base_url}/pages/{plain['page_id']}/image"
    assert context.request.get(image_url).headers["x-folio-version"] == "master"

    # the JP2 copies are made: the viewer shows the JP2 copy through a JPEG rendition, at the copy's size
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "store", "process"],
        cwd=ROOT,
        env=live_server.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    jp2 = _jp2_copy(live_server, plain["image_id"])
    pg.goto(f"{record}/pages/{plain['page_id']}")
    _loaded(pg)
    assert pg.get_attribute("button[data-version=processed]", "aria-pressed") == "true"
    assert not pg.is_visible("#version-why")
    assert pg.inner_text("#version-size").startswith(f"{jp2.width} × {jp2.height}")
    assert pg.evaluate("document.getElementById('page-image').naturalWidth") == jp2.width
    shot(pg, "current-copy-jp2-zh")
    answer = context.request.get(image_url)
    assert (answer.headers["content-type"], answer.headers["x-folio-version"]) == ("image/jpeg", "processed")
    assert Image.open(io.BytesIO(answer.body())).size == (jp2.width, jp2.height)
    thumb = context.request.get(f"{live_server.base_url}/pages/{plain['page_id']}/thumb.jpg")
    assert thumb.headers["x-folio-version"] == "processed"
    assert max(Image.open(io.BytesIO(thumb.body())).size) == 320
    context.close()
