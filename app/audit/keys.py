"""The audit chain's secret key: held outside the database, so that whoever can write the database cannot re-seal it.

Where the key comes from, in order:
  1. `FOLIO_AUDIT_KEY` (64 hex characters) — for deployments that keep secrets in the environment;
  2. the file `FOLIO_AUDIT_KEY_FILE` (default `./var/audit.key`), created on first use with 32 random bytes,
     mode 0600 in a 0700 folder. A key file that the group or others may read is refused.
Several server processes must share one key: copy the file to each (or set `FOLIO_AUDIT_KEY`).
"""

import os
import secrets
import stat
from pathlib import Path

from app.core.errors import AppError

KEY_BYTES = 32
DEFAULT_KEY_FILE = "./var/audit.key"

_configured: dict[str, object] = {}
_cache: dict[tuple, bytes] = {}


class AuditKeyError(AppError):
    """The audit key cannot be read or created, or is not protected (a message for the administrator)."""

    status = 500
    code = "audit_key"


def _parse(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise AuditKeyError(f"{where} must hold {KEY_BYTES * 2} hexadecimal characters")
    return key


def _create(path: Path) -> None:
    # Write a complete file under a temporary name, then link it into place: link fails if another process
    # was first, and a reader never sees a half-written key.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def load_key_file(path: Path, *, create: bool = True) -> bytes:
    """The key in `path`, creating it (0600) on first use; AuditKeyError if it is unreadable or not owner-only."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise AuditKeyError(f"the audit key file {path} does not exist")
        try:
            _create(path)
        except OSError as exc:
            raise AuditKeyError(f"cannot create the audit key file {path}: {exc.strerror}") from exc
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise AuditKeyError(f"the audit key file {path} may be read by others: run chmod 600 {path}")
        return _parse(path.read_text(encoding="ascii", errors="replace"), f"the audit key file {path}")
    except OSError as exc:
        raise AuditKeyError(f"cannot read the audit key file {path}: {exc.strerror}") from exc


def configure(*, key_hex: str | None, key_file: Path) -> None:
    """Set where this process takes the key from (called by create_app and the CLI with the settings)."""
    _configured.clear()
    _configured.update(key_hex=key_hex, key_file=Path(key_file))


def audit_key(*, create: bool = True) -> bytes:
    """The process's audit key (see the module docstring for where it comes from).

    The server and the CLI configure it from the settings; code that runs without them (a script, a test
    calling services) reads the same two environment variables.
    """
    if not _configured:
        configure(
            key_hex=os.environ.get("FOLIO_AUDIT_KEY") or None,
            key_file=Path(os.environ.get("FOLIO_AUDIT_KEY_FILE", DEFAULT_KEY_FILE)),
        )
    key_hex, key_file = _configured["key_hex"], _configured["key_file"]
    cache_key = (key_hex, str(Path(key_file).resolve()))  # type: ignore[arg-type]
    if cache_key not in _cache:
        if key_hex:
            _cache[cache_key] = _parse(str(key_hex), "FOLIO_AUDIT_KEY")
        else:
            _cache[cache_key] = load_key_file(Path(key_file), create=create)  # type: ignore[arg-type]
    return _cache[cache_key]
