"""Front-page XLSX import: peak memory and time of reading a large export, and of refusing a spreadsheet bomb.

Each case runs in a fresh Python process (peak RSS from getrusage of the child); figures are printed as ratios
against a baseline process that imports the reader and reads a one-row workbook, measured in the same run:
  1. a one-row workbook (the baseline);
  2. a front-page export of --rows rows (8 columns, MRNs as zero-padded numbers, dates as date cells);
  3. the probe's bomb: a ~1 MB XLSX whose shared-strings part expands to 1 GB (refused before parsing: 422
     frontpage_xlsx_too_large; before the check it took 33 s and 2.48 GB).

    .venv/bin/python bench/frontpage_xlsx.py --rows 100000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from app.frontpage.reader import UnreadableFile, read_table
data = open({path!r}, "rb").read()
t0 = time.perf_counter()
try:
    outcome = f"{{len(read_table('export.xlsx', data).rows)}} rows"
except UnreadableFile as exc:
    outcome = f"refused: {{exc.code}}"
print(json.dumps({{"seconds": time.perf_counter() - t0, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "outcome": outcome}}))
"""


HEADINGS = ["病案号", "住院次数", "姓名", "出院日期", "主要诊断", "主要诊断编码", "主要手术", "主要手术编码"]


def export(rows: int) -> bytes:
    """A hospital-like export written with XlsxWriter (constant memory): 8 columns, MRN numbers as 00000000."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    mrn, day = book.add_format({"num_format": "00000000"}), book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADINGS)
    start = datetime(2024, 1, 1)
    for r in range(1, rows + 1):
        sheet.write_number(r, 0, 7919 + r, mrn)
        sheet.write_number(r, 1, 1)
        sheet.write_string(r, 2, "张三")
        sheet.write_datetime(r, 3, start + timedelta(days=r % 700), day)
        sheet.write_row(r, 4, ["急性阑尾炎", "K35.800", "腹腔镜下阑尾切除术", "47.0100"])
    book.close()
    return out.getvalue()


def bomb(expanded_mb: int) -> bytes:
    """A valid small workbook plus a shared-strings part that expands to `expanded_mb` MB of one cell's text."""
    src, out = zipfile.ZipFile(io.BytesIO(export(1))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/sharedStrings.xml":
                dst.writestr(item, src.read(item.filename))
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            part.write(b"<si><t>")
            chunk = b"A" * (1024 * 1024)
            for _ in range(expanded_mb):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def measure(data: bytes, tmp: Path, name: str) -> dict:
    """Read the workbook in a fresh process; its seconds, peak RSS (kB) and outcome."""
    path = tmp / f"{name}.xlsx"
    path.write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))], capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    return json.loads(run.stdout)


def main() -> int:
    """Run the cases and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--bomb-mb", type=int, default=1024)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} logical CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        cases = [("one row (baseline)", export(1)), (f"{args.rows:,} rows", export(args.rows))]
        cases.append((f"bomb: {args.bomb_mb:,} MB cell", bomb(args.bomb_mb)))
        print(f"workbooks built in {time.perf_counter() - t0:.1f} s")
        base = None
        for label, data in cases:
            m = measure(data, tmp, label.split()[0].strip(":"))
            base = base or m
            print(
                f"  {label:<24} file {len(data) / 1e6:8.2f} MB   peak RSS {m['peak_kb'] / 1024:8.1f} MB "
                f"({m['peak_kb'] / base['peak_kb']:.2f}x baseline)   {m['seconds']:7.2f} s "
                f"({m['seconds'] / max(base['seconds'], 1e-6):.0f}x baseline)   {m['outcome']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
