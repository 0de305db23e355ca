"""Error pages in the portal's own design, and the friendly handling of an expired form."""

import logging

from flask import g, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.core import kept_forms
from portal.extensions import db, login_manager

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, there is a problem with your request",
    413: "The files you sent are too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def render_error(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, title=TITLES.get(code, TITLES[500]), message=message), code


def _form_expired(app, http_error):
    """Re-show a form page with the person's answers rather than an error page."""
    view = app.view_functions.get(request.endpoint)
    if getattr(view, "is_form_page", False):
        g.form_expired = True
        try:
            response = app.make_response(view(**(request.view_args or {})))
        except HTTPException as refused:  # the view's own checks (403, 404, 429) still apply
            return http_error(refused)
        # Only a re-shown form; a redirect (to sign in, or away from it) gets the page below.
        if response.status_code == 200:
            response.status_code = 400
            return response
        if kept_forms.kept_in_this_request():  # sent to sign in again, what they sent kept
            return response
    if request.method == "POST" and kept_forms.signed_in_before() and not current_user.is_authenticated:
        # Their session ran out too: back to the page the form is on (by way of signing in),
        # to be filled in again with what they sent.
        page = kept_forms.keep_this_post()
        db.session.commit()
        return redirect(page)
    return render_error(400, "This page timed out before you sent it. Go back, reload the page and try again.")


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def form_expired(error):
        return _form_expired(app, http_error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in (301, 302, 303, 307, 308):
            return error
        message = error.description if error.code == 400 and error.description != _default(error) else None
        body, code = render_error(error.code, message)
        # Keep what the exception says about the response, such as Allow on a 405.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        return render_database_unavailable(error)

    @app.errorhandler(500)
    def server_error(error):
        original = getattr(error, "original_exception", None)
        if isinstance(original, OperationalError):  # raised after the view, as the response was made
            return render_database_unavailable(original)
        db.session.rollback()
        return render_error(500)


def render_database_unavailable(error: OperationalError):
    """The database refused, timed out or waited too long for a lock: nothing was saved (the
    transaction is rolled back), and the person is told so and asked to try again. The page is
    made without the database: the visitor is treated as signed out for it."""
    log.warning("Database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    db.session.remove()
    g._login_user = login_manager.anonymous_user()
    body, code = render_error(503)
    return body, code, {"Retry-After": "30", "Cache-Control": "no-store"}


def _default(error: HTTPException) -> str:
    return type(error).description
