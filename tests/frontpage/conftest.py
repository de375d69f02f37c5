"""Front-page OCR fixtures: generated front pages (bench/frontpage/generator.py) and one OCR engine per test
session, with each distinct image read once (OCR costs seconds a page on a loaded machine)."""

import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench.frontpage.generator

from bench.frontpage.generator import front_page_jpeg, random_values  # noqa: E402

_READ: dict[str, dict] = {}


class CountingReader:
    """The real reader (app.frontpage.ocr.read_page, in this process); counts the pages asked for, and reads an
    image it has read before in this session from memory (the same bytes give the same reading)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes, skew: float | None) -> dict:
        from app.frontpage.ocr import read_page

        self.calls += 1
        key = hashlib.sha256(data).hexdigest()
        if key not in _READ:
            _READ[key] = read_page(data, skew)
        return _READ[key]


@pytest.fixture
def reader() -> CountingReader:
    """A counting reader over the session's OCR engine."""
    pytest.importorskip("rapidocr_onnxruntime")
    return CountingReader()


@pytest.fixture(scope="session")
def front_page() -> tuple[object, bytes, float]:
    """A generated, photographed front page: its values, JPEG bytes and true skew (CCW degrees)."""
    values = random_values(11)
    data, skew = front_page_jpeg(values, 11)
    return values, data, skew


@pytest.fixture(scope="session")
def unreadable_page() -> tuple[bytes, float]:
    """The same kind of page photographed badly out of focus and dim."""
    return front_page_jpeg(random_values(12), 12, unreadable=True)
