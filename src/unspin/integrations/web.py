"""The browser side of ``unspin serve``: the page, its assets, and file uploads read in memory.

The page (``static/``) is plain HTML, CSS and JavaScript shipped inside the
package, so it works offline and loads nothing from elsewhere; a strict
Content-Security-Policy holds it to that. Uploads are parsed here rather
than by Starlette's form parser, which spools files over 1 MB to a
temporary file: uploaded documents must never reach the disk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

#: File types the upload accepts, by name; the content is checked again when it is parsed.
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")

# python-multipart logs bytes of a malformed body; uploads must not reach any log, and the
# client is told what was wrong anyway.
_PARSER_LOG = logging.getLogger(f"{__name__}.multipart")
_PARSER_LOG.addHandler(logging.NullHandler())
_PARSER_LOG.propagate = False

# The page's own script and styles only; document text shown by the page can never pull in or run more.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


_PAGE_HEADERS = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer"}


class _Assets(StaticFiles):
    # The same headers as the page: /static/index.html is the page too.
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(_PAGE_HEADERS)
        return response


def add_page(app: FastAPI) -> None:
    """Serve the page at ``/``, the API reference at ``/docs`` and their assets under ``/static``."""
    page = (resources.files(__package__) / "static" / "index.html").read_text(encoding="utf-8")

    reference = (resources.files(__package__) / "static" / "api.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=_PAGE_HEADERS)

    # FastAPI's own /docs loads Swagger UI from a CDN; this one is served by the package.
    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(reference, headers=_PAGE_HEADERS)

    app.mount("/static", _Assets(packages=[(__package__, "static")]), name="static")


@dataclass
class Upload:
    """One uploaded file and the plain form fields sent with it."""

    name: str
    data: bytes
    fields: dict[str, str] = field(default_factory=dict)

    def options(self) -> tuple[float | None, float | None, bool]:
        """The ``threshold``, ``min_score`` and ``any_language`` fields, checked as the JSON endpoints
        check them."""
        flag = self.fields.get("any_language", "false").strip().lower()
        if flag not in {"true", "false", "1", "0", "on", "off", ""}:
            raise UploadError(422, "invalid_field", f"any_language must be true or false, not {flag!r}")
        return self._unit("threshold"), self._unit("min_score"), flag in {"true", "1", "on"}

    def _unit(self, name: str) -> float | None:
        """Form field ``name`` as a number from 0 to 1 (None if absent or blank)."""
        raw = self.fields.get(name, "").strip()
        try:
            value = float(raw) if raw else None
            usable = value is None or 0.0 <= value <= 1.0  # also refuses nan
        except ValueError:
            value, usable = None, False
        if not usable:
            raise UploadError(422, "invalid_field", f"{name} must be a number from 0 to 1, not {raw!r}")
        return value


class UploadError(Exception):
    """A request that is not a usable upload; becomes an ``{"error", "message"}`` answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The ``file`` part of a multipart/form-data request, read into memory up to ``max_bytes``."""
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError(415, "unsupported_type",
                          "send the document as multipart/form-data, in a field named file")
    body = bytearray()
    # The size middleware trusts Content-Length; a chunked body is counted here as it arrives.
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise UploadError(413, "too_large", f"the upload is larger than {max_bytes} bytes; "
                                                "send a smaller file")
    parts = _multipart_parts(bytes(body), params[b"boundary"])
    files = [(headers, data) for headers, data in parts if b"filename" in headers]
    fields = {headers[b"name"].decode("utf-8", "replace"): data.decode("utf-8", "replace")
              for headers, data in parts if b"filename" not in headers and b"name" in headers}
    if len(files) != 1 or files[0][0].get(b"name") != b"file":
        raise UploadError(400, "bad_upload", "send exactly one file, in a form field named file")
    # Browsers may send a path ("C:\\fakepath\\a.txt"); only the last part names the file.
    name = files[0][0][b"filename"].decode("utf-8", "replace").replace("\\", "/")
    name = PurePosixPath(name).name
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise UploadError(415, "unsupported_type",
                          f"{name or 'the file'} is not a supported type; send a "
                          f"{', '.join(UPLOAD_SUFFIXES[:-1])} or {UPLOAD_SUFFIXES[-1]} file")
    return Upload(name, files[0][1], fields)


def _multipart_parts(body: bytes, boundary: bytes) -> list[tuple[dict[bytes, bytes], bytes]]:
    """Each part's Content-Disposition parameters and its data."""
    parts: list[tuple[dict[bytes, bytes], bytes]] = []
    headers: dict[bytes, bytes] = {}
    name, value, data = bytearray(), bytearray(), bytearray()
    ended = False

    def header_end() -> None:
        headers[bytes(name).lower()] = bytes(value)
        name.clear()
        value.clear()

    def part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition"))
        parts.append((disposition, bytes(data)))
        headers.clear()
        data.clear()

    def end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(boundary, {
        "on_header_field": lambda d, s, e: name.extend(d[s:e]),
        "on_header_value": lambda d, s, e: value.extend(d[s:e]),
        "on_header_end": header_end,
        "on_part_data": lambda d, s, e: data.extend(d[s:e]),
        "on_part_end": part_end,
        "on_end": end,
    })
    parser.logger = _PARSER_LOG
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadError(400, "bad_upload", f"the form data cannot be read ({exc})") from None
    if not ended:
        raise UploadError(400, "bad_upload", "the form data ends early; send the whole file")
    return parts
