"""Absolute links the portal sends out (email, feeds, documents), built on the configured
public address: never on the Host header of the request that caused them, which anyone can
forge to make a genuine email point somewhere else."""

from urllib.parse import urlsplit

from flask import current_app


def public_base(config) -> tuple[str, str, str]:
    """(scheme, host, path) of PUBLIC_URL."""
    parts = urlsplit(config["PUBLIC_URL"])
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute address on PUBLIC_URL."""
    app = current_app
    scheme, host, path = public_base(app.config)
    adapter = app.url_map.bind(host, script_name=path or "/", url_scheme=scheme)
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
