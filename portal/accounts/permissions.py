"""The one place that decides who may open a page."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*allowed: str):
    """Let only signed-in users holding one of ``allowed`` roles in.

    Anyone not signed in is sent to sign in (and brought back); a signed-in user
    without the role gets 403.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator
