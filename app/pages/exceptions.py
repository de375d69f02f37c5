"""Errors of page upload and image access."""

from app.core.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMedia


class EmptyUpload(Unprocessable):
    code = "empty_file"


class UploadTooLarge(PayloadTooLarge):
    code = "too_large"


class TooManyPixels(PayloadTooLarge):
    code = "too_many_pixels"


class NotAnImage(UnsupportedMedia):
    code = "unsupported_media_type"


class UndecodableImage(Unprocessable):
    code = "undecodable_image"


class IdempotencyMismatch(Conflict):
    code = "idempotency_key_reused"


class PageNotFound(NotFound):
    code = "page_not_found"


class ImageMissing(NotFound):
    code = "image_missing"


class TruncatedImage(Unprocessable):
    code = "image_truncated"


class UnsupportedImageVariant(UnsupportedMedia):
    code = "unsupported_image_variant"


class MultiPageImage(Unprocessable):
    code = "multi_page_image"


class DecodedTooLarge(PayloadTooLarge):
    code = "decoded_too_large"


class PageHasGoodImage(Conflict):
    """A plain upload (neither a re-shoot nor an insert) onto a page whose current image passed QC (issue 12)."""

    code = "page_has_good_image"
