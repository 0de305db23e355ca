"""The built front end (static/dist/, made by scripts/build-assets.mjs) and how it is served.

Pages link to the stylesheet and script by their hashed names, looked up in the build's
manifest (``asset_url("portal.css")``). WhiteNoise serves everything under static/ before
Flask sees the request: the brotli or gzip copy the build made when the browser accepts it,
hashed files cached for a year (a new build is a new name), the rest for an hour.
"""

import json
import re
from pathlib import Path

from flask import Flask, url_for
from whitenoise import WhiteNoise

DIST = "dist"
MANIFEST = "manifest.json"
# portal.3f2a9c1b.css: the name changes whenever the contents do.
HASHED_NAME = re.compile(r"\.[0-9a-f]{8}\.\w+$")
A_YEAR = 365 * 24 * 60 * 60
AN_HOUR = 60 * 60


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
    # not to guess a file's type is added here.
    headers["X-Content-Type-Options"] = "nosniff"


def register_assets(app: Flask) -> None:
    static_folder = Path(app.static_folder)
    manifest = Manifest(static_folder)
    app.extensions["asset_manifest"] = manifest

    def asset_url(name: str) -> str:
        return url_for("static", filename=f"{DIST}/{manifest.hashed_name(name)}")

    app.add_template_global(asset_url, "asset_url")
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
