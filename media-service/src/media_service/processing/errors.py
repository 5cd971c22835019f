"""Why an uploaded file is refused (each maps to one HTTP status)."""

from __future__ import annotations

from vitrine_kit.errors import PayloadTooLarge, ProblemError, Unprocessable


class UnsupportedImageType(ProblemError):
    status, code, title = 415, "unsupported-image-type", "Not a JPEG, PNG, WebP or HEIC image"


class ImageTooLarge(PayloadTooLarge):
    code, title = "image-too-large", "The image file is too large"


class TooManyPixels(PayloadTooLarge):
    code, title = "too-many-pixels", "The image has too many pixels"


class EmptyFile(Unprocessable):
    code, title = "empty-file", "The file is empty"


class ImageUnreadable(Unprocessable):
    code, title = "image-unreadable", "The image could not be decoded (corrupt or truncated)"
