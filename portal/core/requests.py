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


def refuse_control_characters_in_the_address(request: Request) -> None:
    """No page's address has a control character in it: such a request is a 404, never a
    database error."""
    if CONTROL_CHARACTERS.search(request.path):
        abort(404)
