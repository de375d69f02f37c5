"""A front page shot upside down (breakit b18): when the labels are not found, the page is read turned 180° once,
and the crops are cut from the page turned the same way (real OCR on a generated front page)."""

import cv2
import numpy as np

from app.frontpage.crosscheck import check_record
from app.frontpage.ocr import crops_jpeg


def _turned(data: bytes) -> bytes:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".jpg", cv2.rotate(image, cv2.ROTATE_180), [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return buf.tobytes()


def test_an_upside_down_front_page_is_read_turned(reader, front_page) -> None:
    values, data, skew = front_page
    upright = reader(data, skew)
    assert all("turn" not in got for got in upright["fields"].values())  # an upright page is read once, as it is
    result = reader(_turned(data), skew)  # a 180° turn keeps the skew's angle
    fields = result["fields"]
    assert fields["mrn"]["value"] == values.mrn and fields["mrn"]["turn"] == 180
    recorded = {"mrn": values.mrn, "visit": values.visit, "name": values.name, "discharge_date": values.discharge_date}
    assert check_record(recorded, fields).outcome in ("match", "unreadable")  # never a false mismatch
    assert check_record({**recorded, "mrn": "99" + values.mrn[2:]}, fields).wrong_record
    boxes = {"mrn": tuple(fields["mrn"]["box"])}
    crop = crops_jpeg(_turned(data), skew, boxes, 0.6, 180)["mrn"]
    wrong_way = crops_jpeg(_turned(data), skew, boxes)["mrn"]
    assert crop and wrong_way and crop != wrong_way
