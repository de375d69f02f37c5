"""The field crops of recently viewed front pages, kept in the server process: a record's screen asks for each
field's crop separately (one <img> each), and all of them come from one decode of the page (issue 18 review:
each crop decoded the whole photograph again; bench/frontpage_crops.py gives the figures)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

Crops = dict[str, bytes]


class CropCache:
    """Up to `size` pages' crops (field → JPEG), least recently used first out. A page asked for by several
    requests at once is made once: the others wait for it."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, Crops] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Crops]) -> Crops:
        """The crops of the page `key` names (its image digest, skew and boxes), made by make() when not kept."""
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._pages:  # made by the request this one waited for
                    return self._pages[key]
            try:
                crops = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self._pages[key] = crops
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return crops
