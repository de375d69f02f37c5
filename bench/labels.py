"""Label printing speed: 1,000 Code 128 labels (A4 3×8) as one PDF, against the same chromium printing the same
number of A4 pages of plain text (the baseline: what chromium's start-up and page output cost anyway).

    .venv/bin/python bench/labels.py --labels 1000
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.pdf import html_to_pdf  # noqa: E402
from app.core.templates import APP_DIR, environment  # noqa: E402
from app.labels.rules import LAYOUTS, patient_initials, record_code  # noqa: E402
from app.labels.service import Label, symbol  # noqa: E402


def sheet_html(n: int, symbology: str) -> str:
    """The label sheet page for n record labels, stylesheets inlined as the server does."""
    layout = LAYOUTS["a4_3x8"]
    labels = []
    for i in range(n):
        code = record_code(f"{i:08d}", 1 + i % 3, None)
        labels.append(Label(code, code, (f"{i:08d} / 1", patient_initials("张三丰"), "BENCH"), symbol(code, symbology)))
    sheets = [labels[i : i + layout.per_page] for i in range(0, n, layout.per_page)]
    html = (
        environment("zh_CN")
        .get_template("labels/sheet.html")
        .render(
            sheets=sheets,
            layout=layout,
            part=1,
            parts=1,
            kind="records",
            symbology=symbology,
            standalone=True,
            lang="zh_CN",
        )
    )
    for name in ("folio.css", "labels.css"):
        css = (APP_DIR / "static" / name).read_text(encoding="utf-8")
        html = html.replace(f'<link rel="stylesheet" href="/static/{name}">', f"<style>{css}</style>", 1)
    return html


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--labels", type=int, default=1000)
    args = ap.parse_args()
    pages = (args.labels + 23) // 24
    plain = "".join(f'<section style="break-after:page">第 {p} 页 page {p}</section>' for p in range(pages))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.pdf"
        t0 = time.perf_counter()
        html_to_pdf(f"<html><body>{plain}</body></html>", out)
        base = time.perf_counter() - t0
        rows = [(f"baseline: chromium prints {pages} pages of plain text", base, 0.0)]
        for symbology in ("code128", "qr"):
            t0 = time.perf_counter()
            html = sheet_html(args.labels, symbology)
            build = time.perf_counter() - t0
            html_to_pdf(html, out, css_page_size=True)
            rows.append((f"{args.labels} {symbology} labels ({pages} sheets)", time.perf_counter() - t0, build))
    print(f"{'':52} {'seconds':>8} {'of which symbols+HTML':>22} {'vs baseline':>12}")
    for name, took, build in rows:
        print(f"{name:52} {took:8.2f} {build:22.2f} {took / base:11.2f}x")


if __name__ == "__main__":
    main()
