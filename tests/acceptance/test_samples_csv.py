"""The samples CSV names each page's segment as the review screen does (the inherited segment, "02_入院记录"), not
the page's raw segment mark; a page without a segment says why in the reader's language. A refused verdict says why
in the reader's language too."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.seeding import fix_seed
from app.accounts.models import Role
from app.core.i18n import LANG_COOKIE
from app.pages.models import Page
from app.records.segment_label import segment_of_page
from tests.acceptance.helpers import T0, add_record, day, make_shop
from tests.factories import signed_in_web_user

# MRN -> (pages, {page number: raw mark}); a mark names a segment or gives its number (app.delivery.naming)
MARKS = {"M0001": (4, {1: "首页", 3: "2"}), "M0002": (2, {2: "X光"})}
SHOWN = {  # (MRN, page) -> (zh-CN, English)
    ("M0001", 1): ("01_首页", "01_首页"),
    ("M0001", 2): ("01_首页", "01_首页"),  # inherits the mark of page 1
    ("M0001", 3): ("02_入院记录", "02_入院记录"),  # mark "2": the list's second segment
    ("M0001", 4): ("02_入院记录", "02_入院记录"),
    ("M0002", 1): ("未分段", "no segment"),  # before the record's first mark
    ("M0002", 2): ("未知标记", "unknown mark"),  # a mark that names no segment of the project
}


def test_samples_csv_names_segments_as_the_screens_do(client: TestClient, session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("1"))  # every page sampled
    records = {}
    for n, (mrn, (pages, marks)) in enumerate(MARKS.items()):
        records[mrn] = add_record(session, shop, mrn, pages, T0 + timedelta(hours=n))
        for number, mark in marks.items():
            session.execute(
                update(Page)
                .where(col(Page.record_id) == records[mrn].id, col(Page.page_number) == number)
                .values(segment=mark)
            )
    session.commit()
    lot = apply_for_acceptance(
        session, shop.project, period_end=day("2026-01-31"), actor=shop.actor(shop.manager),
        today=day("2026-02-02"), now=T0 + timedelta(days=28),
    )  # fmt: skip
    rnd = fix_seed(session, lot, "seed", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    signed_in_web_user(client, session, shop.project, "boss", Role.vendor_manager)

    for lang, index in (("zh-CN", 0), ("en", 1)):
        client.cookies.set(LANG_COOKIE, lang)
        r = client.get(f"/acceptance/lots/{lot.id}/rounds/{rnd.number}/samples.csv")
        assert r.status_code == 200
        rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
        assert rows[0][2] == "mrn" and rows[0][4] == "page_number" and rows[0][5] == "segment"  # stable columns
        got = {(row[2], int(row[4])): row[5] for row in rows[1:]}
        assert got == {key: words[index] for key, words in SHOWN.items()}, (lang, got)
    for (mrn, number), (words, _) in SHOWN.items():  # what the review screen and the record page show
        assert segment_of_page(session, records[mrn], number) == (words if words[0].isdigit() else None)
