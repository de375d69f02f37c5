"""Processed copies carry an ICC profile of their own colour space (issue 16): a grey copy a grey profile (never
sRGB on one channel), a JPEG 2000 copy its profile in the JP2 'colr' box."""

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

import qc
from bench.qc.generator import render_scan
from qc.icc import colour_space, grey, srgb
from qc.processing import Settings, jp2_available, process


def _icc_of(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        return im.info["icc_profile"]


def _jp2_colr(data: bytes) -> list[bytes]:
    """The payloads of the 'colr' boxes inside the JP2 header box."""
    pos, out = 0, []
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        if kind == b"jp2h":
            inner, i = data[pos + 8 : pos + size], 0
            while i + 8 <= len(inner):
                n = int.from_bytes(inner[i : i + 4], "big")
                if inner[i + 4 : i + 8] == b"colr":
                    out.append(inner[i + 8 : i + n])
                i += n
            return out
        pos += size
    return out


def test_grey_profile_is_a_valid_gray_profile_that_lcms_uses():
    prof = ImageCms.ImageCmsProfile(io.BytesIO(grey()))
    assert prof.profile.xcolor_space.strip() == "GRAY" and prof.profile.connection_space.strip() == "XYZ"
    assert "grey" in ImageCms.getProfileDescription(prof)
    assert int.from_bytes(grey()[:4], "big") == len(grey())  # the header's size is the profile's
    # its tone curve is sRGB's: grey v through it and back out as sRGB is (v, v, v)
    to_srgb = ImageCms.buildTransform(prof, ImageCms.createProfile("sRGB"), "L", "RGB")
    ramp = Image.fromarray(np.arange(256, dtype=np.uint8)[None].repeat(2, 0))
    out = np.asarray(ImageCms.applyTransform(ramp, to_srgb))
    assert np.abs(out.astype(int) - np.arange(256)[None, :, None]).max() <= 1
    assert colour_space(srgb()) == "RGB" and colour_space(grey()) == "GRAY" and colour_space(b"junk") is None


@pytest.fixture(scope="module")
def grey_scan() -> bytes:
    data, _ = render_scan(5, 150, angle_deg=1.0)  # an 8-bit grey PNG: no profile of its own
    return data


@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_grey_copy_carries_a_grey_profile(grey_scan, fmt):
    out = process(grey_scan, qc.check(grey_scan).metrics, Settings(format=fmt))
    assert out.colour_mode == "L" and out.icc == "grey_assigned"
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.mode == "L"
    assert colour_space(_icc_of(out.data)) == "GRAY" and _icc_of(out.data) == grey()


def test_rgb_profile_of_a_grey_master_is_not_carried_over():
    """A one-channel JPEG that (wrongly) holds an sRGB profile: its copy gets the grey profile, not the RGB one."""
    buf = io.BytesIO()
    Image.new("L", (1200, 1600), 235).save(buf, "JPEG", quality=90, icc_profile=srgb())
    out = process(buf.getvalue(), {"full_frame": True}, Settings())
    assert out.colour_mode == "L" and out.icc == "grey_assigned" and colour_space(_icc_of(out.data)) == "GRAY"
    steps = {s["step"]: s for s in out.steps}
    assert steps["colour"] == {"step": "colour", "mode": "L", "icc": "grey_assigned"}


def test_grey_jpeg_keeps_its_own_grey_profile():
    own = bytearray(grey())
    own[24:36] = bytes(12)  # another grey profile (another date): kept as it is
    buf = io.BytesIO()
    Image.new("L", (1200, 1600), 235).save(buf, "JPEG", quality=90, icc_profile=bytes(own))
    out = process(buf.getvalue(), {"full_frame": True}, Settings())
    assert out.icc == "kept" and _icc_of(out.data) == bytes(own)


@pytest.mark.skipif(not jp2_available(), reason="this Pillow cannot write JPEG 2000")
def test_jpeg2000_copy_carries_its_icc_profile_and_still_reads(grey_scan):
    rgb = io.BytesIO()
    Image.open(io.BytesIO(grey_scan)).convert("RGB").save(rgb, "PNG", dpi=(150, 150))
    for data, space, profile in ((rgb.getvalue(), "RGB", srgb()), (grey_scan, "GRAY", grey())):
        out = process(data, qc.check(data).metrics, Settings(format="jp2"))
        (colr,) = _jp2_colr(out.data)  # exactly one colour specification (a reader uses the first)
        assert colr[0] == 2  # METH 2: restricted ICC profile (ISO/IEC 15444-1 I.5.3.3)
        assert colr[3:] == profile and colour_space(colr[3:]) == space
        with Image.open(io.BytesIO(out.data)) as im:  # OpenJPEG still decodes it, at its size and resolution
            im.load()
            assert im.size == (out.width, out.height) and im.info["dpi"][0] == pytest.approx(out.dpi, abs=0.05)
        # (the record PDF embeds it with its profile: tests/delivery/test_pdfa.py)
