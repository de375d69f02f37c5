"""Shared constants and pages of the qc tests."""

# Test pages are rendered at 2000x1500 to stay fast; an A4 page then sits at ~110 dpi, so the tests that expect
# a pass lower the resolution limit (everything else is the default profile).
SMALL = {"name": "test-small-frames", "min_dpi": 60.0}


def hand_shadow(
    seed: int, side: int, strength: float, sigma: float, frame_wh: tuple[int, int] = (2000, 1500), **spec: object
) -> bytes:
    """JPEG bytes of a sharp-edged page (bench.qc.generator.random_spec(seed, "sharp"), changed by `spec`) under
    the shadow of three fingers reaching in from a frame side (0 top, 1 right, 2 bottom, 3 left), `strength` of
    the light lost at their core, their edges blurred by a Gaussian of `sigma` frame pixels."""
    from dataclasses import replace

    import cv2
    import numpy as np

    from bench.qc.generator import random_spec, render

    img, _ = render(replace(random_spec(seed, "sharp"), frame_wh=frame_wh, **spec))
    fh, fw = img.shape[:2]
    rng = np.random.default_rng(seed * 10 + side)
    m = np.zeros((fh, fw), np.float32)
    for _ in range(3):
        c, reach, r = rng.uniform(0.2, 0.8), rng.uniform(0.3, 0.5), rng.uniform(0.06, 0.12) * max(fh, fw)
        end = {
            0: (c * fw, reach * fh),
            1: ((1 - reach) * fw, c * fh),
            2: (c * fw, (1 - reach) * fh),
            3: (reach * fw, c * fh),
        }[side]
        start = {0: (c * fw, 0), 1: (fw, c * fh), 2: (c * fw, fh), 3: (0, c * fh)}[side]
        cv2.line(m, tuple(int(v) for v in start), tuple(int(v) for v in end), 1.0, int(r))
    m = cv2.GaussianBlur(m, (0, 0), sigma)
    out = np.clip(img.astype(np.float32) * (1 - strength * np.clip(m, 0, 1))[..., None], 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
