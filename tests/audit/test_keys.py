"""The audit key lives outside the database: created on first use, owner-only, refused when others may read it."""

import stat
from pathlib import Path

import pytest

from app.audit.keys import AuditKeyError, load_key_file


def test_the_key_file_is_created_owner_only_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit.key"
    key = load_key_file(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_key_file(path) == key  # the same key the next time, not a new one
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    load_key_file(path)
    path.chmod(0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        load_key_file(path)


def test_a_damaged_or_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(AuditKeyError, match="64 hexadecimal characters"):
        load_key_file(path)
    with pytest.raises(AuditKeyError, match="does not exist"):
        load_key_file(tmp_path / "none.key", create=False)
