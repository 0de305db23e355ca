"""Throttling a signed-in person's password checks as sign-in is throttled: whoever holds a
session cannot guess the password through the pages that ask for it again."""

from flask import current_app
from flask_login import current_user

from portal.extensions import limiter


def _per_person_key() -> str:
    return f"person:{current_user.get_id()}"


def per_person(scope: str):
    """A view's POSTs, at most SIGN_IN_LIMIT_PER_ACCOUNT for each signed-in person."""
    return limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
        key_func=_per_person_key,
        methods=["POST"],
        scope=scope,
    )
