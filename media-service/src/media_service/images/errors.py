"""Errors of the images domain."""

from __future__ import annotations

from vitrine_kit.errors import NotFound


class ImageNotFound(NotFound):
    code, title = "image-not-found", "No such image"


class RenditionNotFound(NotFound):
    code, title = "rendition-not-found", "No such size or format of this image"


class UploadNotFound(NotFound):
    code, title = "upload-not-found", "No file was uploaded for this upload id"
