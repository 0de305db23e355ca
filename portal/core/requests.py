"""The request every view reads: what arrives in the address and in forms is cleaned once,
here, so that no view can pass a NUL byte to the database (PostgreSQL refuses it) or hand a
crafted character to a lookup that the form would have dropped."""

from flask import Request, abort
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from portal.core.forms import CONTROL_CHARACTERS, drop_control_characters


class CleanMultiDict(ImmutableMultiDict):
    """Query string and form values without control characters (tabs and line breaks kept);
    uploaded files are left as they are."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__((drop_control_characters(key), drop_control_characters(value)) for key, value in pairs)


class PortalRequest(Request):
    parameter_storage_class = CleanMultiDict

    @property
    def from_another_site(self) -> bool:
        """Whether a browser sent this from a page of another site (OWASP's check of the
        standard headers: every current browser sends Sec-Fetch-Site or Origin with a POST).
        Neither header means no browser, so no visitor whose cookies another site could use."""
        fetched_from = self.headers.get("Sec-Fetch-Site")
        if fetched_from is not None:
            return fetched_from not in ("same-origin", "none")
        origin = self.headers.get("Origin")
        return origin is not None and origin != self.host_url.rstrip("/")


def refuse_control_characters_in_the_address(request: Request) -> None:
    """No page's address has a control character in it: such a request is a 404, never a
    database error."""
    if CONTROL_CHARACTERS.search(request.path):
        abort(404)
