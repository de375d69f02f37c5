"""The lot manifest hash and the reproducible sample draw, pure and re-implementable from this text.

Manifest hash
    SHA-256 over the UTF-8 bytes of one line per page, in capture order: ``f"{page_id},{sha256}\\n"``
    where ``sha256`` is the page image's digest as 64 lowercase hex digits. The hash is given as 64
    lowercase hex digits.

Draw (construction "folio-sample-v1")
    Inputs: the manifest hash H (64 hex digits, taken lowercase), the seed S (any non-empty text,
    taken exactly as given), the lot size N and the number of pages k_t to take from each third t
    (t = 0 front, 1 middle, 2 back; thirds and allocation as in `app.acceptance.rules`).

    1. key = SHA-256( b"folio-sample-v1\\n" + ascii(H) + b"\\n" + utf8(S) )                 (32 bytes)
    2. For third t the random stream is the concatenation of the blocks
       SHA-256( key + byte(t) + uint64_be(c) ) for c = 0, 1, 2, ...; each 32-byte block is read as
       four unsigned 64-bit big-endian words, consumed in order.
    3. uniform(m), for 1 ≤ m < 2^64: take the next word w; if w ≥ 2^64 − (2^64 mod m) discard it
       and take the next one (rejection keeps every value equally likely); return w mod m.
    4. Partial Fisher–Yates over the third's positions a = [0, 1, ..., s_t − 1] (s_t its size):
       for i = 0 .. k_t − 1: j = i + uniform(s_t − i); swap a[i] and a[j].
       The third's sample is a[0..k_t − 1], shifted by the third's first page index.
    5. The sample is the union over the three thirds, sorted ascending (0-based page positions in
       capture order).

    Each third has its own stream, so the draw is without replacement within each third and a
    third's pages never depend on another third's allocation.
"""

import hashlib
import re
from collections.abc import Iterable
from itertools import islice
from string import hexdigits

from app.acceptance.rules import SamplePlan, plan_sample

CONSTRUCTION = "folio-sample-v1"

_HEX = frozenset(hexdigits)
_TWO64 = 1 << 64
_CHUNK = 65536
_CANONICAL = re.compile(r"(?:[^,\r\n]+,[0-9a-f]{64}\n)*")


def _check_hex64(name: str, value: str) -> str:
    if len(value) != 64 or not _HEX.issuperset(value):
        raise ValueError(f"{name} must be 64 hex digits, got {value!r}")
    return value.lower()


def manifest_line(page_id: int | str, image_sha256: str) -> str:
    """One canonical manifest line: "page_id,sha256\\n" with the digest in lowercase hex."""
    text = str(page_id)
    if not text or "," in text or "\n" in text or "\r" in text:
        raise ValueError(f"page id {page_id!r} cannot go in a manifest line")
    return f"{text},{_check_hex64('image sha256', image_sha256)}\n"


def manifest_hash(pages: Iterable[tuple[int | str, str]]) -> str:
    """SHA-256 (hex) over the canonical lines "page_id,sha256\\n" of a lot's pages in capture order."""
    digest = hashlib.sha256()
    batch = list(islice(iter_pages := iter(pages), _CHUNK))
    while batch:
        text = "".join([f"{page_id},{image_sha256.lower()}\n" for page_id, image_sha256 in batch])
        # A page id holding a newline could forge lines that match, hence the line count too.
        if text.count("\n") != len(batch) or not _CANONICAL.fullmatch(text):
            for page_id, image_sha256 in batch:
                manifest_line(page_id, image_sha256)  # raises with the offending page
        digest.update(text.encode("utf-8"))
        batch = list(islice(iter_pages, _CHUNK))
    return digest.hexdigest()


def draw_key(manifest_hash_hex: str, seed: str) -> bytes:
    """Step 1 of the draw: the 32-byte key from the manifest hash and the seed."""
    if not seed:
        raise ValueError("the seed must not be empty")
    h = _check_hex64("manifest hash", manifest_hash_hex)
    return hashlib.sha256(f"{CONSTRUCTION}\n{h}\n".encode("ascii") + seed.encode("utf-8")).digest()


class _Stream:
    """Step 2–3: the counter-mode SHA-256 word stream of one third, and uniform integers from it."""

    def __init__(self, key: bytes, third: int) -> None:
        self._prefix = key + bytes([third])
        self._counter = 0
        self._words: list[int] = []

    def _word(self) -> int:
        if not self._words:
            block = hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            # Reversed so that pop() hands out the four words in order.
            self._words = [int.from_bytes(block[i : i + 8], "big") for i in (24, 16, 8, 0)]
        return self._words.pop()

    def uniform(self, m: int) -> int:
        """A uniform integer in [0, m) by rejection."""
        limit = _TWO64 - _TWO64 % m
        while True:
            w = self._word()
            if w < limit:
                return w % m


def draw(manifest_hash_hex: str, seed: str, plan: SamplePlan) -> list[int]:
    """The sample's page positions (0-based, capture order, sorted) for a plan, by construction folio-sample-v1."""
    key = draw_key(manifest_hash_hex, seed)
    picked: list[int] = []
    for third, ((start, stop), k) in enumerate(zip(plan.thirds.bounds, plan.per_third, strict=True)):
        size = stop - start
        if k > size:
            raise ValueError(f"cannot take {k} pages from a third of {size}")
        stream = _Stream(key, third)
        moved: dict[int, int] = {}  # the positions the partial Fisher–Yates has touched
        for i in range(k):
            j = i + stream.uniform(size - i)
            at_j = moved.get(j, j)
            moved[j] = moved.get(i, i)
            picked.append(start + at_j)
    picked.sort()
    return picked


def draw_sample(manifest_hash_hex: str, seed: str, lot_size: int, size: int) -> list[int]:
    """The sample of `size` pages of a lot of `lot_size` (thirds and allocation per the rules), sorted."""
    return draw(manifest_hash_hex, seed, plan_sample(lot_size, size))


def verify_sample(manifest_hash_hex: str, seed: str, plan: SamplePlan, recorded: Iterable[int]) -> bool:
    """Whether a recorded sample is exactly the one the manifest hash and seed give."""
    return sorted(recorded) == draw(manifest_hash_hex, seed, plan)
