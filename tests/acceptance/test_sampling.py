"""The manifest hash and the sample draw: canonical bytes, a reference re-implementation, reproducibility."""

import hashlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.acceptance.rules import plan_sample
from app.acceptance.sampling import draw, draw_key, draw_sample, manifest_hash, manifest_line, verify_sample

H0 = "0" * 64
HAB = "ab" * 32


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- manifest hash -----------------------------------------------------------------------------


def test_manifest_hash_is_sha256_of_canonical_lines() -> None:
    a, b = "a" * 64, "B" * 64
    expected = hashlib.sha256(("1," + "a" * 64 + "\n" + "2," + "b" * 64 + "\n").encode()).hexdigest()
    assert manifest_hash([(1, a), (2, b)]) == expected
    assert manifest_hash([("1", a), ("2", b.lower())]) == expected  # int or text ids, any digest case


def test_empty_manifest() -> None:
    assert manifest_hash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_manifest_order_matters() -> None:
    pages = [(1, sha("one")), (2, sha("two"))]
    assert manifest_hash(pages) != manifest_hash(pages[::-1])


def test_manifest_across_chunks_and_from_a_generator() -> None:
    def pages() -> Iterator[tuple[int, str]]:
        for i in range(70_000):
            yield i, sha(str(i))

    text = "".join(f"{i},{sha(str(i))}\n" for i in range(70_000))
    assert manifest_hash(pages()) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("page_id", "digest"),
    [
        ("1,2", "a" * 64),
        ("", "a" * 64),
        ("1," + "a" * 64 + "\n2", "a" * 64),  # would forge a second, valid-looking line
        ("1\n2", "a" * 64),
        (1, "a" * 63),
        (1, "g" * 64),
        (1, "a" * 64 + "\n"),
    ],
)
def test_manifest_refuses_non_canonical_lines(page_id: str | int, digest: str) -> None:
    with pytest.raises(ValueError):
        manifest_hash([(7, "c" * 64), (page_id, digest)])
    with pytest.raises(ValueError):
        manifest_line(page_id, digest)


# --- the draw, against a plain re-implementation of the documented construction ---------------


def reference_draw(manifest: str, seed: str, lot_size: int, per_third: tuple[int, int, int]) -> list[int]:
    """folio-sample-v1 written straight from the module docstring, with a full list per third."""
    b1, b2 = (lot_size + 1) // 3, (2 * lot_size + 1) // 3
    bounds = [(0, b1), (b1, b2), (b2, lot_size)]
    key = hashlib.sha256(b"folio-sample-v1\n" + manifest.lower().encode() + b"\n" + seed.encode()).digest()
    out = []
    for t, ((start, stop), k) in enumerate(zip(bounds, per_third, strict=True)):

        def words(t: int = t) -> Iterator[int]:
            c = 0
            while True:
                block = hashlib.sha256(key + bytes([t]) + c.to_bytes(8, "big")).digest()
                for i in range(4):
                    yield int.from_bytes(block[8 * i : 8 * i + 8], "big")
                c += 1

        stream = words()

        def uniform(m: int, stream: Iterator[int] = stream) -> int:
            while True:
                w = next(stream)
                if w < 2**64 - (2**64 % m):
                    return w % m

        a = list(range(stop - start))
        for i in range(k):
            j = i + uniform(len(a) - i)
            a[i], a[j] = a[j], a[i]
        out += [start + x for x in a[:k]]
    return sorted(out)


def test_known_vectors() -> None:
    """Pinned outputs: a re-implementation elsewhere must give exactly these."""
    assert draw_key(H0, "x").hex() == "151e1c92ab3c0f3e74d567c232ad6a89b2e941b6b7067537106236b75910ae00"
    assert draw_sample(H0, "x", 100, 3) == [28, 38, 67]
    assert draw_sample(HAB, "2026-04-01 hospital seed 7f3a", 3000, 90)[:12] == [
        26, 33, 87, 112, 116, 134, 165, 169, 183, 220, 231, 291,
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    manifest=st.binary(min_size=32, max_size=32).map(bytes.hex),
    seed=st.text(min_size=1, max_size=20),
    lot=st.integers(min_value=0, max_value=3000),
    data=st.data(),
)
def test_draw_matches_the_documented_construction(manifest: str, seed: str, lot: int, data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=0, max_value=lot))
    plan = plan_sample(lot, size)
    assert draw(manifest, seed, plan) == reference_draw(manifest, seed, lot, plan.per_third)


def test_whole_lot_and_empty_sample() -> None:
    assert draw_sample(H0, "s", 10, 10) == list(range(10))
    assert draw_sample(H0, "s", 10, 0) == []
    assert draw_sample(H0, "s", 0, 0) == []
    assert draw_sample(H0, "s", 1, 1) == [0]


@settings(max_examples=80, deadline=None)
@given(
    manifest=st.binary(min_size=32, max_size=32).map(bytes.hex),
    seed=st.text(min_size=1, max_size=30),
    lot=st.integers(min_value=1, max_value=200_000),
    rate_per_mille=st.integers(min_value=1, max_value=60),
)
def test_sample_is_within_its_thirds_and_reproducible(manifest: str, seed: str, lot: int, rate_per_mille: int) -> None:
    size = min(lot, -(-lot * rate_per_mille // 1000))
    plan = plan_sample(lot, size)
    sample = draw(manifest, seed, plan)
    assert sample == sorted(set(sample))  # sorted, no page twice
    assert len(sample) == size
    per_third = [0, 0, 0]
    for index in sample:
        per_third[plan.thirds.third_of(index)] += 1
    assert tuple(per_third) == plan.per_third
    assert draw(manifest.upper(), seed, plan) == sample
    assert verify_sample(manifest, seed, plan, reversed(sample))


def test_draw_changes_with_seed_and_manifest() -> None:
    plan = plan_sample(1_000_000, 30_000)
    base = draw(HAB, "seed-1", plan)
    assert draw(HAB, "seed-1", plan) == base
    assert draw(HAB, "seed-2", plan) != base
    assert draw(H0, "seed-1", plan) != base
    # Independent streams: the two samples share about 3% of their pages, not most of them.
    assert len(set(base) & set(draw(HAB, "seed-2", plan))) < 2_000
    assert not verify_sample(HAB, "seed-2", plan, base)


def test_draw_is_spread_over_each_third() -> None:
    plan = plan_sample(300_000, 9_000)
    sample = draw(HAB, "spread", plan)
    # Within the front third (100,000 pages, 3,000 drawn) each tenth holds about 300 pages.
    tenths = [0] * 10
    for index in sample:
        if index < 100_000:
            tenths[index // 10_000] += 1
    assert all(220 < n < 380 for n in tenths), tenths


@pytest.mark.parametrize(("manifest", "seed"), [(H0, ""), ("0" * 63, "s"), ("z" * 64, "s")])
def test_draw_refuses_bad_inputs(manifest: str, seed: str) -> None:
    with pytest.raises(ValueError):
        draw_sample(manifest, seed, 10, 1)
