"""The content-addressed image store: atomic writes, dedup, verify and gc."""

import hashlib
import os
import time
from pathlib import Path

import pytest

from app.core.storage import LocalImageStore, StoreError, collect_garbage, verify_store


def test_put_stores_under_hash_and_deduplicates(tmp_path: Path) -> None:
    store = LocalImageStore(tmp_path)
    first = store.put(b"page one")
    again = store.put(b"page one")
    digest = hashlib.sha256(b"page one").hexdigest()
    assert first.sha256 == again.sha256 == digest
    assert first.created and not again.created
    assert store.get(digest) == b"page one"
    assert store.path_of(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert list(store.iter_hashes()) == [digest]
    assert list(store.iter_temporaries()) == []


def test_missing_blob_and_bad_hash_are_clear_errors(tmp_path: Path) -> None:
    store = LocalImageStore(tmp_path)
    with pytest.raises(StoreError, match="missing"):
        store.get("a" * 64)
    with pytest.raises(StoreError, match="not a SHA-256"):
        store.path_of("../../etc/passwd")


def test_verify_reports_missing_and_corrupt(tmp_path: Path) -> None:
    store = LocalImageStore(tmp_path)
    good = store.put(b"good").sha256
    bad = store.put(b"will be edited").sha256
    gone = store.put(b"will be deleted").sha256
    store.path_of(bad).write_bytes(b"tampered")
    store.delete(gone)
    report = verify_store(store, iter([good, bad, gone]))
    assert report == {"missing": [gone], "corrupt": [bad]}


def test_gc_removes_only_old_unreferenced_files(tmp_path: Path) -> None:
    store = LocalImageStore(tmp_path)
    kept = store.put(b"referenced").sha256
    orphan = store.put(b"orphan").sha256
    young = store.put(b"young orphan").sha256
    partial = store.tmp / "abc.part"
    partial.write_bytes(b"half")
    old = time.time() - 7200
    for path in (store.path_of(kept), store.path_of(orphan), partial):
        os.utime(path, (old, old))
    result = collect_garbage(store, {kept}, now=time.time(), min_age_seconds=3600)
    assert result == {"removed": 1, "temporaries": 1, "kept_young": 1}
    assert store.exists(kept) and store.exists(young) and not store.exists(orphan)
    assert not partial.exists()
