"""python -m qc: check page images, or calibrate a profile from confirmed samples."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qc import checker as chk
from qc.calibrate import calibrate, confusion
from qc.decode import load
from qc.errors import QCInputError
from qc.messages import PAPER_NAMES, paper_name
from qc.page import effective_dpi, matches_paper, same_shape
from qc.profile import Profile, default_profile, load_profile

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
EXIT_PASS, EXIT_FAIL, EXIT_UNREADABLE = 0, 1, 2


def _profile(path: str | None) -> Profile:
    return default_profile() if path is None else load_profile(path)


def cmd_check(args: argparse.Namespace) -> int:
    """Check each file; one line (or JSON object) per file; exit 0 all pass, 1 any fail, 2 any unreadable."""
    prof = _profile(args.profile)
    status = EXIT_PASS
    for name in args.files:
        line: dict[str, Any] = {"file": name}
        try:
            rep = chk.check(name, prof, intentionally_blank=args.blank)
        except QCInputError as e:
            line.update(verdict="error", error=e.code, detail=e.message)
            status = EXIT_UNREADABLE
        except OSError as e:
            line.update(verdict="error", error="unreadable", detail=e.strerror or str(e))
            status = EXIT_UNREADABLE
        else:
            line.update(
                verdict=rep.verdict,
                reasons=rep.reasons,
                skew_deg=rep.skew_deg,
                sharpness=rep.sharpness,
                messages=rep.messages,
                metrics=rep.metrics,
                width=rep.width,
                height=rep.height,
            )
            if not rep.passed and status == EXIT_PASS:
                status = EXIT_FAIL
        print(json.dumps(line, ensure_ascii=False) if args.json else _text_line(line))
    return status


def _text_line(line: dict[str, Any]) -> str:
    """One file's verdict for a reader: the reason codes and their messages first, the figures after them, so
    that "FAIL blur — Blurred: ..." is not read as a failure for the skew printed next to it."""
    if line["verdict"] == "error":
        return f"{line['file']}: UNREADABLE ({line['error']}): {line['detail']}"
    skew = "n/a" if line["skew_deg"] is None else f"{line['skew_deg']:+.2f}°"
    sharp = "n/a" if line["sharpness"] is None else f"{line['sharpness']:.2f}"
    head = " ".join([line["verdict"].upper(), ", ".join(line["reasons"])]).strip()
    why = "; ".join(m["en"] for m in line["messages"])
    return f"{line['file']}: {head}" + (f" — {why}" if why else "") + f" (skew {skew}, sharpness {sharp})"


def _images(folder: str) -> list[Path]:
    p = Path(folder)
    if not p.is_dir():
        raise SystemExit(f"error: {folder} is not a folder")
    files = sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise SystemExit(f"error: no images in {folder}")
    return files


def _measure_all(files: list[Path], prof: Profile) -> list[dict[str, Any]]:
    out = []
    for f in files:
        try:
            dec = load(str(f), prof.max_pixels)
        except (QCInputError, OSError) as e:
            print(f"skipped {f}: {e}", file=sys.stderr)
            continue
        out.append(chk.metrics_of(chk.measure(dec, prof), dec, False, prof) | {"_size": (dec.width, dec.height)})
    return out


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Derive a profile from confirmed good and bad images; print the confusion matrix; write JSON."""
    base = _profile(args.profile)
    good, bad = _measure_all(_images(args.good), base), _measure_all(_images(args.bad), base)
    for kind, folder, got in (("good", args.good, good), ("bad", args.bad, bad)):
        if not got:  # a profile fitted to no image of a kind would only look calibrated
            raise SystemExit(f"error: none of the {kind} images in {folder} could be read (see 'skipped' above)")
    prof = calibrate(base, good, bad)

    def passed(m: dict[str, Any]) -> bool:
        w, h = m["_size"]
        return not chk.judge_metrics(m, prof, w, h)

    cm = confusion([passed(m) for m in good], [passed(m) for m in bad])
    Path(args.output).write_text(json.dumps(prof.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"calibrated on {len(good)} good and {len(bad)} bad images -> {args.output}")
    print(cm.table())
    return 0


STAND_SPREAD = 0.03  # photos of one stand whose dpi differ by more than this share were not all shot on it
STAND_SHAPE = 0.02  # a calibration sheet's short / long side within this share of the paper's (Letter is 8 % off A4;
# A5, B5 and 16K have A4's shape within 0.6 %: no outline tells them apart, the operator must shoot the right paper)


def cmd_stand(args: argparse.Namespace) -> int:
    """Measure a fixed stand's resolution from photos of whole sheets of the profile's paper; print the profile
    fields (stand_dpi, stand_frame_px) as JSON, and with -o write them (alone) to a file. Each sheet is read by its
    refined outline as a sheet of the profile's paper_size_mm. Exit 2 (nothing written) when a photo shows no whole
    sheet of that paper's shape (STAND_SHAPE), fewer than two photos differ, the photos differ in frame size, their
    readings spread over STAND_SPREAD, or the frame could not hold a sheet of the paper."""
    prof = _profile(args.profile)
    paper = prof.paper_size_mm
    base = replace(prof, stand_dpi=0.0, stand_frame_px=(0.0, 0.0))  # each sheet read by its outline
    readings, frames, seen = [], set(), set()
    for name in args.files:
        try:
            rep = chk.check(name, base)
        except (QCInputError, OSError) as e:
            return _stand_error(f"{name}: {getattr(e, 'message', None) or e}")
        corners, m = rep.metrics.get("page_corners"), rep.metrics
        sheet = None if corners is None else np.array(corners, float)
        if sheet is None or not m.get("outline_certain") or "cut_off" in rep.reasons:
            return _stand_error(f"{name}: no whole sheet found")
        if not matches_paper(sheet, paper, STAND_SHAPE):
            return _stand_error(f"{name}: the sheet is not {paper[0]:g}×{paper[1]:g} mm paper (its shape is not)")
        seen.add(json.dumps(corners))  # the same photo given twice reads the same corners: no second sheet
        readings.append(effective_dpi(sheet, 1.0, paper))
        frames.add((max(rep.width, rep.height), min(rep.width, rep.height)))
        print(f"{name}: {readings[-1]:.1f} dpi on a {rep.width}×{rep.height} px frame", file=sys.stderr)
    if len(seen) < 2:
        return _stand_error("shoot at least two sheets (three are better): one photo cannot show the stand held still")
    if len(frames) != 1:
        return _stand_error(f"the photos' frames differ ({sorted(frames)} px): shoot them at one size")
    if max(readings) > (1 + STAND_SPREAD) * min(readings):
        return _stand_error(f"readings {min(readings):.1f}-{max(readings):.1f} dpi differ: was the camera moved?")
    fields = {"stand_dpi": round(sorted(readings)[len(readings) // 2], 1), "stand_frame_px": list(frames.pop())}
    try:
        replace(prof, stand_dpi=fields["stand_dpi"], stand_frame_px=tuple(fields["stand_frame_px"]))  # holds paper
        if args.output:  # the stand's fields alone: applied to a project (folio project qc-profile --file), they
            # change nothing else of its profile
            Path(args.output).write_text(json.dumps(fields, indent=2) + "\n", encoding="utf-8")
    except (ValueError, OSError) as e:
        return _stand_error(str(e))
    alike = [
        name
        for size, name in PAPER_NAMES.items()
        if size != tuple(sorted(paper)) and same_shape(size, paper, STAND_SHAPE)
    ]
    print(
        f"measured as sheets of {paper_name(paper)} (the profile's paper_size_mm): their outline cannot tell it from "
        f"{', '.join(alike) or 'a paper of its shape'}; on another paper the resolution is wrong",
        file=sys.stderr,
    )
    print(json.dumps(fields))
    return EXIT_PASS


def _stand_error(text: str) -> int:
    print(f"error: {text}", file=sys.stderr)
    return EXIT_UNREADABLE


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of python -m qc."""
    p = argparse.ArgumentParser(prog="python -m qc", description="Page-image quality checks.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser(
        "check",
        help="check images",
        description="Check page images.",
        epilog="example: python -m qc check page-0001.jpg page-0002.jpg --json",
    )
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--profile", help="JSON profile (default: the built-in default profile)")
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c.add_argument("--blank", action="store_true", help="the pages are intentionally blank")
    c.set_defaults(func=cmd_check)
    k = sub.add_parser(
        "calibrate",
        help="derive a profile from confirmed samples",
        epilog="example: python -m qc calibrate --good ok/ --bad reshoot/ -o profile.json",
    )
    k.add_argument("--good", required=True, help="folder of images confirmed acceptable")
    k.add_argument("--bad", required=True, help="folder of images confirmed unacceptable")
    k.add_argument("-o", "--output", required=True, help="where to write the profile JSON")
    k.add_argument("--profile", help="starting profile (default: the built-in default)")
    k.set_defaults(func=cmd_calibrate)
    t = sub.add_parser(
        "stand",
        help="measure a fixed stand's resolution",
        description="Measure the resolution a fixed stand's camera gives, from photos of whole sheets of the "
        "profile's paper (paper_size_mm) lying on the stand; every sheet shot on it then has that resolution, "
        "whatever its size.",
        epilog="example: python -m qc stand a4-1.jpg a4-2.jpg a4-3.jpg -o profile.json",
    )
    t.add_argument("files", nargs="+", metavar="FILE")
    t.add_argument("-o", "--output", help="write stand_dpi and stand_frame_px to this JSON file")
    t.add_argument("--profile", dest="profile", help="the project's profile (its paper_size_mm; default A4)")
    t.set_defaults(func=cmd_stand)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of python -m qc."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as e:  # a bad profile file
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNREADABLE
