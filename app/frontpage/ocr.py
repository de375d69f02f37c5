"""The OCR engine (RapidOCR: PP-OCRv4 Chinese detection and recognition, ONNX models inside the
`rapidocr-onnxruntime` wheel, run by onnxruntime on the CPU; nothing is downloaded at run time).

The engine is made once per worker process (``engine()``) and runs only in worker processes of ``OcrPool``, which
the front-page reading job feeds: never on the event loop, never in an upload request. Without the package, or
with FOLIO_OCR=off, ``status()`` says why and the rest of Folio runs as before.
"""

import importlib.util
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Any

from app.frontpage.exceptions import WorkerDied
from app.frontpage.locate import TextBox, locate

PACKAGE = "rapidocr_onnxruntime"
MAX_SIDE = 1600  # pixels: the paper's longest side as read (A4: 5.4 px/mm, a 3.5 mm value about 19 px high)


def status(setting: str) -> str:
    """'on', 'off' (FOLIO_OCR=off) or 'missing' (the `ocr` extra is not installed): whether pages can be read."""
    if setting.strip().lower() in ("off", "0", "false", "no"):
        return "off"
    return "on" if importlib.util.find_spec(PACKAGE) is not None else "missing"


@lru_cache(maxsize=1)
def engine(threads: int = 1) -> Any:
    """This process's RapidOCR engine, made on first use (loading the models takes about a second)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def text_boxes(image: Any, threads: int = 1) -> list[TextBox]:
    """OCR one BGR image (numpy): each text line with its corners (pixels) and confidence 0-1."""
    result, _ = engine(threads)(image)
    return [
        TextBox(str(text), tuple((float(x), float(y)) for x, y in box), float(score))
        for box, text, score in result or []
    ]


def _paper(image: Any) -> Any:
    """The paper cut out of a photographed frame (qc's page finder: the largest bright region), with a small
    margin; the frame itself when the paper fills it (a scan) or cannot be told from the mat."""
    import cv2
    import numpy as np

    from qc.page import find_page

    h, w = image.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    page = find_page(small)
    if page.full_frame:
        return image
    ys, xs = np.nonzero(page.mask)
    if len(xs) < 0.1 * small.size:
        return image
    pad = 0.02 * max(small.shape)
    x0, x1 = max(0, int((xs.min() - pad) / scale)), min(w, int((xs.max() + pad) / scale))
    y0, y1 = max(0, int((ys.min() - pad) / scale)), min(h, int((ys.max() + pad) / scale))
    return image[y0:y1, x0:x1]


def prepare(data: bytes, skew_deg: float | None, max_side: int = MAX_SIDE, turn: int = 0) -> Any:
    """Decode an image file, cut the paper out of the frame, straighten it by the measured skew (qc's angle, CCW
    degrees), bring its longest side down to max_side and turn it by `turn` degrees (0 or 180: a page shot upside
    down); None when the bytes are not an image."""
    import cv2
    import numpy as np

    from qc.checker import deskew

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    image = _paper(image)
    scale = max_side / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if skew_deg and abs(skew_deg) >= 0.2:
        image = deskew(image, skew_deg)
    return cv2.rotate(image, cv2.ROTATE_180) if turn == 180 else image


def read_page(data: bytes, skew_deg: float | None, threads: int = 1) -> dict[str, Any]:
    """Read a front page (in a worker): {"size": [w, h], "lines": [{text, box, score}], "fields": {field: {value,
    box, score}}} in the straightened image's pixels, or {"error": "unreadable_image"} when it cannot be decoded.
    A page shot upside down is read again turned 180°: when the front page's labels are not found
    (crosscheck.is_front_page), or when its title and MRN label lie in the lower half (the engine turns each
    upside-down line by itself, so the labels are read but stand right of and below their values). If the
    turned reading finds the labels upright, it is kept and each field says "turn": 180 (its box is in the turned
    image's pixels; crops_jpeg turns the page the same way). A page that is no front page costs two reads."""
    from app.frontpage.crosscheck import is_front_page

    image = prepare(data, skew_deg)
    if image is None:
        return {"error": "unreadable_image"}
    result, boxes = _read_image(image, threads)
    if not is_front_page(result["fields"]) or _upside_down(boxes, image.shape[0]):
        import cv2

        turned, turned_boxes = _read_image(cv2.rotate(image, cv2.ROTATE_180), threads)
        if is_front_page(turned["fields"]) and not _upside_down(turned_boxes, image.shape[0]):
            for got in turned["fields"].values():
                got["turn"] = 180
            return turned
    return result


_HEAD_LABELS = ("病案首页", "病案号")  # printed at the top of the national form


def _upside_down(boxes: list[TextBox], height: int) -> bool:
    """The form's title and MRN label were read, and lie in the lower half of the page."""
    ys = [sum(y for _, y in b.box) / 4 for b in boxes if any(w in b.text for w in _HEAD_LABELS)]
    return bool(ys) and sum(ys) / len(ys) > height / 2


def _read_image(image: Any, threads: int) -> tuple[dict[str, Any], list[TextBox]]:
    boxes = text_boxes(image, threads)
    lines = [
        {"text": b.text, "box": [[round(x), round(y)] for x, y in b.box], "score": round(b.score, 3)} for b in boxes
    ]
    fields = {name: r.to_dict() for name, r in locate(boxes).items()}
    return {"size": [int(image.shape[1]), int(image.shape[0])], "lines": lines, "fields": fields}, boxes


def _init_worker(max_pixels: int, parent_pid: int, threads: int) -> None:
    from app.core.qcpool import _init_worker as init_qc_worker

    init_qc_worker(max_pixels, parent_pid)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    engine(threads)  # load the models now, not with the first page


class OcrPool:
    """Worker processes that each hold one engine; ``read`` waits for one page's result. When a worker dies
    (kill -9, the OOM killer) the executor is broken for good: it is replaced by a new one, and the read raises
    WorkerDied so the page can be read again."""

    def __init__(self, workers: int, threads: int, max_pixels: int, timeout: float = 600.0) -> None:
        self.threads, self.timeout = threads, timeout
        self._workers, self._max_pixels = max(1, workers), max_pixels
        self._lock = threading.Lock()
        self._executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self._max_pixels, os.getpid(), self.threads),
        )

    def _rebuild(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:  # another thread may have rebuilt it already
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new()

    def read(self, data: bytes, skew_deg: float | None) -> dict[str, Any]:
        """read_page in a worker; raises WorkerDied (after rebuilding the pool) when the worker died."""
        executor = self._executor
        try:
            return executor.submit(read_page, data, skew_deg, self.threads).result(self.timeout)
        except BrokenProcessPool as exc:
            self._rebuild(executor)
            raise WorkerDied(f"an OCR worker process died ({exc})") from exc

    def worker_pid(self) -> int:
        """The process id of a worker (the one that takes this call), e.g. to watch its memory."""
        return self._executor.submit(os.getpid).result(self.timeout)

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def crops_jpeg(
    data: bytes,
    skew_deg: float | None,
    boxes: dict[str, tuple[int, int, int, int]],
    margin: float = 0.6,
    turn: int = 0,
) -> dict[str, bytes]:
    """The areas of a page's read fields, each with some of its surroundings, as JPEGs: field → bytes. boxes: field
    → (x0, y0, x1, y1) in the straightened image's pixels, as read_page gave them. The page is decoded and
    straightened (and turned, as read_page turned it) once for all of them; {} when the image cannot be decoded,
    b"" for a box outside the page."""
    import cv2

    image = prepare(data, skew_deg, turn=turn)
    if image is None:
        return {}
    h, w = image.shape[:2]
    out = {}
    for name, (x0, y0, x1, y1) in boxes.items():
        pad = int(max(8, (y1 - y0) * margin))
        part = image[max(0, y0 - pad) : min(h, y1 + pad), max(0, x0 - 3 * pad) : min(w, x1 + 3 * pad)]
        ok, buf = cv2.imencode(".jpg", part, [cv2.IMWRITE_JPEG_QUALITY, 85]) if part.size else (False, None)
        out[name] = buf.tobytes() if ok else b""
    return out
