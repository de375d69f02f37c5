"""CropCache: a page's crops are made once, however many requests ask for them at the same time."""

import threading
import time

from app.frontpage.crops import CropCache


def test_requests_at_once_make_the_page_once_and_old_pages_leave() -> None:
    cache, made, start = CropCache(size=2), [], threading.Barrier(4)

    def make() -> dict[str, bytes]:
        made.append(1)
        time.sleep(0.05)  # the others arrive while this one decodes
        return {"mrn": b"jpeg"}

    def ask() -> None:
        start.wait()
        assert cache.get("page-a", make) == {"mrn": b"jpeg"}

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1
    cache.get("page-b", make)
    cache.get("page-c", make)  # page-a, the least recently used, leaves
    cache.get("page-a", make)
    assert len(made) == 4


def test_a_failed_make_is_not_kept() -> None:
    cache = CropCache()

    def broken() -> dict[str, bytes]:
        raise OSError("the worker died")

    try:
        cache.get("page", broken)
    except OSError:
        pass
    assert cache.get("page", lambda: {"name": b"x"}) == {"name": b"x"}
