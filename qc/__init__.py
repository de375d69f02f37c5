"""qc: page-image quality checks (blur, skew, exposure, cut-off, blank, resolution).

A pure library over numpy, OpenCV and Pillow: ``qc.check(image, profile) -> Report``.
"""

from qc.checker import check, check_hashed, deskew
from qc.errors import QCInputError
from qc.profile import Profile, default_profile, load_profile, profile_fields
from qc.report import Report

__all__ = [
    "Profile",
    "QCInputError",
    "Report",
    "check",
    "check_hashed",
    "default_profile",
    "deskew",
    "load_profile",
    "profile_fields",
]
