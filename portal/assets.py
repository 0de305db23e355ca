"""What a browser downloads: the built front end (static/dist/, made by
scripts/build-assets.mjs) and the pages, compressed.

Pages link to the stylesheet and script by their hashed names, looked up in the build's
manifest (``asset_url("portal.css")``). WhiteNoise serves everything under static/ before
Flask sees the request: the brotli or gzip copy the build made when the browser accepts it,
hashed files cached for a year (a new build is a new name), the rest for an hour, each with a
Content-Security-Policy of its own that lets it load nothing but its own images and fonts.

Pages the same for everyone (nobody signed in, nothing personal, no form's CSRF token) go out
with brotli or gzip too. A page that holds a secret of its session goes as it is: compressing
a secret beside text an attacker can put in the page lets its length give the secret away
(BREACH).
"""

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, g, request, url_for
from whitenoise import WhiteNoise

from portal.core.page_cache import anonymous_and_impersonal

DIST = "dist"
MANIFEST = "manifest.json"
# portal.3f2a9c1b.css: the name changes whenever the contents do.
HASHED_NAME = re.compile(r"\.[0-9a-f]{8}\.\w+$")
A_YEAR = 365 * 24 * 60 * 60
AN_HOUR = 60 * 60
# A static file may show its own images and fonts, and styles written inside an SVG, but runs
# nothing and frames nothing. A stylesheet's images and fonts are the page's to allow: a
# browser applies the policy of the document that loads them.
STATIC_POLICY = "; ".join(
    [
        "default-src 'none'",
        "img-src 'self' data:",
        "font-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "sandbox",
    ]
)
# Text worth compressing; smaller bodies gain less than the header costs.
COMPRESSIBLE_TYPES = frozenset(
    {"text/html", "text/plain", "text/csv", "text/calendar", "application/json", "application/atom+xml"}
)
SMALLEST_COMPRESSED = 1024
# Brotli's quality 5 makes the complaints report (69 KB) 6.7 KB in under 2 ms; 11 takes 170 ms.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


class FrontEndNotBuilt(RuntimeError):
    """The templates asked for a built file that the manifest does not name."""


class Manifest:
    """The build's map from a file's name to its hashed name, read again whenever a new build
    rewrites it."""

    def __init__(self, static_folder: Path):
        self.path = static_folder / DIST / MANIFEST
        self._read_at: float | None = None
        self._names: dict[str, str] = {}

    def hashed_name(self, name: str) -> str:
        names = self._current_names()
        if name not in names:
            raise FrontEndNotBuilt(
                f"{name!r} is not in {self.path}: build the front end with `make assets` (or `npm run build`)."
            )
        return names[name]

    def _current_names(self) -> dict[str, str]:
        try:
            modified = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if modified != self._read_at:
            self._names = json.loads(self.path.read_text(encoding="utf-8"))
            self._read_at = modified
        return self._names

    def built_file(self, name: str) -> Path:
        """Where the built file is on disk, for tests and documents that read it."""
        return self.path.parent / self.hashed_name(name)


class StaticFiles(WhiteNoise):
    def add_cache_headers(self, headers, path, url):
        if HASHED_NAME.search(url):
            headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
        else:
            headers["Cache-Control"] = f"public, max-age={AN_HOUR}"


def add_static_headers(headers, path, url) -> None:
    # Responses from WhiteNoise never reach Flask's after_request: the header browsers need
    # not to guess a file's type, and the file's own policy, are added here.
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = STATIC_POLICY


# --- Pages, compressed ----------------------------------------------------------------------------


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


# A page from the page cache (the one kind with an ETag) comes back whole many times: each of
# its bodies is compressed once.
compress_again = lru_cache(maxsize=128)(compress)


def chosen_encoding() -> str | None:
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding]:
            return encoding
    return None


def compressible(response: Response) -> bool:
    return (
        response.mimetype in COMPRESSIBLE_TYPES
        and not response.direct_passthrough
        and not response.is_streamed
        and "Content-Encoding" not in response.headers
    )


def compress_page(response: Response) -> Response:
    if not compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    encoding = chosen_encoding()
    if encoding is None:
        return response
    body = response.get_data()
    if len(body) < SMALLEST_COMPRESSED or "csrf_token" in g or not anonymous_and_impersonal():
        return response
    etag, _ = response.get_etag()
    response.set_data((compress_again if etag else compress)(body, encoding))
    response.headers["Content-Encoding"] = encoding
    if etag:
        # The same page in another encoding: a weak ETag, which If-None-Match still matches.
        response.set_etag(etag, weak=True)
    return response


def register_assets(app: Flask) -> None:
    static_folder = Path(app.static_folder)
    manifest = Manifest(static_folder)
    app.extensions["asset_manifest"] = manifest

    def asset_url(name: str) -> str:
        return url_for("static", filename=f"{DIST}/{manifest.hashed_name(name)}")

    app.add_template_global(asset_url, "asset_url")
    # First in the list, so it runs after every other response hook: the page cache keeps and
    # tags the page as it is, and the headers are all there.
    app.after_request_funcs.setdefault(None, []).insert(0, compress_page)
    # In development a rebuild adds new names while the server runs: look for files on each
    # request there, and only once at start-up elsewhere.
    app.wsgi_app = StaticFiles(
        app.wsgi_app,
        root=static_folder,
        prefix=app.static_url_path,
        autorefresh=app.debug,
        allow_all_origins=False,
        add_headers_function=add_static_headers,
    )
