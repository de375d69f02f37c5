"""Lines the operator types (or scans) are read after NFKC: full-width letters and digits from a Chinese input
method, an ideographic space and a scanner's CR mean the same command; a password on a login line is kept as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from capture_station.config import StationConfig, save_config, station_paths
from capture_station.events import EventBus
from capture_station.station import Station


@pytest.fixture
def station(tmp_path: Path):  # noqa: ANN201
    paths = station_paths(tmp_path)
    cfg = StationConfig(server_url="http://127.0.0.1:9", station_token="fst_test", hot_folder=str(tmp_path / "hot"))
    save_config(paths, cfg)
    st = Station(paths, cfg, EventBus(), None)
    calls: list[tuple] = []
    st.open_record = lambda identity: calls.append(("open", identity))  # type: ignore[method-assign]
    st._reshoot = lambda n: calls.append(("reshoot", n))  # type: ignore[method-assign]  # noqa: SLF001
    st.login = lambda user, password: calls.append(("login", user, password))  # type: ignore[method-assign]
    yield st, calls
    st.close()


@pytest.mark.parametrize(
    ("typed", "call"),
    [
        ("００１２３４５６－２\r\n", ("open", {"barcode": "00123456-2"})),
        ("\u300000123456-2\u3000", ("open", {"barcode": "00123456-2"})),  # ideographic spaces
        ("ｍ　００１２３４５６　２", ("open", {"mrn": "00123456", "visit": 2})),
        ("login op1 Ｐａｓｓ　ｗｏｒｄ", ("login", "op1", "Ｐａｓｓ　ｗｏｒｄ")),
    ],
)
def test_typed_lines_are_normalised_before_they_are_read(station, typed: str, call: tuple) -> None:  # noqa: ANN001
    st, calls = station
    st.handle_line(typed)
    assert calls == [call]
