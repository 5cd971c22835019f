"""Streaming ``multipart/form-data`` parsing: each file part goes to its own temp file as it arrives."""

from __future__ import annotations

from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from vitrine_kit.errors import ProblemError, Unprocessable
from vitrine_kit.middleware import BodyTooLarge

from media_service.uploads.incoming import IncomingFile

FILE_FIELDS = {"files", "file", "files[]"}


class NotMultipart(ProblemError):
    status, code, title = 415, "not-multipart", "Send the images as multipart/form-data"


class TooManyFiles(Unprocessable):
    code, title = "too-many-files", "Too many files in one request"


class NoFiles(Unprocessable):
    code, title = "no-files", "The request has no file"


class MalformedMultipart(ProblemError):
    status, code, title = 400, "malformed-multipart", "The multipart body could not be parsed"


class _Collector:
    """python-multipart callbacks that route each file part's bytes to an ``IncomingFile``."""

    def __init__(self, *, max_file_bytes: int, max_files: int, tmp_dir: Path | None) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.tmp_dir = tmp_dir
        self.files: list[IncomingFile] = []
        self.current: IncomingFile | None = None
        self._header_field = b""
        self._header_value = b""
        self._disposition = b""

    def on_part_begin(self) -> None:
        self.current = None
        self._disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_field.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if name not in FILE_FIELDS or filename is None:
            return  # other form fields carry nothing we need; their bytes are dropped
        if len(self.files) >= self.max_files:
            raise TooManyFiles(f"At most {self.max_files} files per request; use a direct upload for more.")
        self.current = IncomingFile(
            filename=filename.decode("utf-8", "replace")[:255] or f"file-{len(self.files) + 1}",
            limit=self.max_file_bytes,
            tmp_dir=self.tmp_dir,
        )
        self.files.append(self.current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is not None:
            self.current.write(data[start:end])

    def on_part_end(self) -> None:
        self.current = None


async def receive_files(
    request: Request, *, max_file_bytes: int, max_files: int, tmp_dir: Path | None
) -> list[IncomingFile]:
    """Read the request body as it streams; returns the file parts (the caller discards them)."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise NotMultipart("Use multipart/form-data with one or more 'files' parts.")
    collector = _Collector(max_file_bytes=max_file_bytes, max_files=max_files, tmp_dir=tmp_dir)
    parser = MultipartParser(
        boundary,
        {  # type: ignore[arg-type]
            "on_part_begin": collector.on_part_begin,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ProblemError:
        _discard(collector.files)
        raise
    except (ClientDisconnect, BodyTooLarge):
        _discard(collector.files)
        raise
    except Exception as exc:
        _discard(collector.files)
        raise MalformedMultipart(str(exc)) from exc
    if not collector.files:
        raise NoFiles("Send one or more images as 'files' parts of the multipart body.")
    return collector.files


def _discard(files: list[IncomingFile]) -> None:
    for f in files:
        f.discard()
