"""The regions qc blames, outlined in the browser (issue 14): a blurred page and a page with a thumb over it are
uploaded to a real `folio serve`; chromium opens the record and each page, and the outlines must sit over the
right part of the image, in the thumbnails and in the zoomable page view, before and after zooming."""

import sqlite3
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import shot
from tests.factories import page_jpeg
from tests.live import LiveServer, browser_sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _occluded_jpeg() -> bytes:
    from bench.qc.generator import PageSpec, render_jpeg

    data, _truth = render_jpeg(PageSpec(seed=41, occluder="thumb", occluder_side=1, occluder_reach=0.35))
    return data


def _metrics(server: LiveServer, page_number: int) -> tuple[int, dict, list]:
    import json

    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        pid, metrics, reasons = conn.execute(
            "SELECT p.id, i.qc_metrics, i.qc_reasons FROM page p JOIN page_image i ON i.id = p.current_image_id"
            " WHERE p.page_number = ?",
            (page_number,),
        ).fetchone()
    return pid, json.loads(metrics), json.loads(reasons)


def _box(page, selector: str) -> dict:
    b = page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return b


def _inside(inner: dict, outer: dict, slack: float = 2.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def _expected(img: dict, box: list[int], size: tuple[int, int]) -> dict:
    w, h = size
    return {
        "x": img["x"] + img["width"] * box[0] / w,
        "y": img["y"] + img["height"] * box[1] / h,
        "width": img["width"] * (box[2] - box[0]) / w,
        "height": img["height"] * (box[3] - box[1]) / h,
    }


def _close(a: dict, b: dict, tol: float) -> bool:
    return all(abs(a[k] - b[k]) <= tol for k in ("x", "y", "width", "height"))


@pytest.fixture
def regions_server(live_server: LiveServer) -> LiveServer:
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "mgr", "vendor_manager", totp_secret=SECRET)
    live_server.start()
    headers = live_server.operator_headers(prov)
    when = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=5)
    for n, data in ((1, page_jpeg(501)), (2, page_jpeg(502, blur=3.5)), (3, _occluded_jpeg())):
        res = httpx.post(
            f"{live_server.base_url}/api/v1/pages",
            headers=headers,
            timeout=60,
            data={"page_number": str(n), "mrn": "00077001", "visit": "1", "idempotency_key": uuid.uuid4().hex,
                  "captured_at": when.isoformat()},  # fmt: skip
            files={"image": ("p.jpg", data, "image/jpeg")},
        )
        assert res.status_code == 201, res.text
    return live_server


def test_blurred_region_and_object_are_outlined_over_the_page(regions_server: LiveServer, page) -> None:
    server = regions_server
    good_id, good_m, good_r = _metrics(server, 1)
    blur_id, blur_m, blur_r = _metrics(server, 2)
    occ_id, occ_m, occ_r = _metrics(server, 3)
    assert good_r == [] and "blur" in blur_r and "occluded" in occ_r, (good_r, blur_r, occ_r)
    browser_sign_in(page, server, "mgr", SECRET)
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        record_id, width, height = conn.execute(
            "SELECT r.id, i.width, i.height FROM record r JOIN page p ON p.record_id = r.id"
            " JOIN page_image i ON i.id = p.current_image_id WHERE p.page_number = 2"
        ).fetchone()

    page.goto(f"{server.base_url}/records/{record_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"li[data-page='{good_id}'] svg.qc-regions").count() == 0  # a good page: nothing drawn
    thumb = _box(page, f"#thumb-{blur_id}")
    outline = _box(page, f"li[data-page='{blur_id}'] svg.qc-regions rect.qc-region-blur")
    want = _expected(thumb, blur_m["blur_region"], (width, height))
    assert _inside(outline, thumb) and _close(outline, want, 5)  # 5: the 3 px stroke
    occ_thumb = _box(page, f"#thumb-{occ_id}")
    occ_outline = _box(page, f"li[data-page='{occ_id}'] svg.qc-regions rect.qc-region-occluded")
    assert _inside(occ_outline, occ_thumb)
    assert occ_outline["x"] > occ_thumb["x"] + occ_thumb["width"] / 2  # the thumb came in from the right side
    shot(page, "qc-regions-record")

    page.goto(f"{server.base_url}/records/{record_id}/pages/{blur_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator(".qc-legend-blur").is_visible()
    # the verdict says why: the figures behind it follow the sentence (the page view; the thumbnails keep it short)
    said = page.locator("span.reason").first.inner_text()
    assert said.startswith("图像模糊") and "（" in said and "像素" in said, said
    for zoom in ("fit", "1"):
        page.click(f"[data-zoom-for] button[data-zoom='{zoom}']")
        page.wait_for_timeout(300)
        img = _box(page, "#page-image")
        rect = _box(page, "svg.qc-regions rect.qc-region-blur")
        want = _expected(img, blur_m["blur_region"], (width, height))
        assert _close(rect, want, max(5.0, 0.01 * img["width"])), (zoom, rect, want)
        shot(page, f"qc-regions-page-{zoom}")
    page.goto(f"{server.base_url}/lang/en?next=/records/{record_id}/pages/{occ_id}")
    assert "the object over the page" in page.locator(".qc-legend-occluded").inner_text()
    said = page.locator("span.reason").first.inner_text()
    assert said.startswith("Page covered") and "%" in said and "right" in said, said
    shot(page, "qc-regions-page-occluded-en")
