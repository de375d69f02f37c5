"""A short, stable name of a QC profile, so that a station and the server can tell whether they use the same one."""

import hashlib
import json

from qc.profile import Profile


def profile_fingerprint(profile: Profile) -> str:
    """The first 12 hex digits of the SHA-256 of the profile's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(profile.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:12]
