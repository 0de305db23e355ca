"""Shared form helpers: the base form every page uses and the error summary it feeds."""

from flask import g
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput

EXPIRED_MESSAGE = (
    "This page timed out before you sent it, so nothing was saved. "
    "Your answers are below: check them and send the form again."
)


def strip_whitespace(value):
    """A field filter: what a person typed, without spaces at either end."""
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """A FlaskForm whose CSRF failure reads as a timed-out page, not a technical error."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        csrf_field = getattr(self, "csrf_token", None)
        if csrf_field is not None and csrf_field.errors:
            csrf_field.errors = [EXPIRED_MESSAGE]
            g.form_expired = True
        return valid


def error_summary_params(form) -> dict:
    """Parameters for govukErrorSummary: one entry per field, linked to the field.

    The CSRF token has no visible field, so its message links to the top of the form; a date
    links to its day box rather than the wrapper around the three boxes, so focus moves there.
    """
    params = wtforms_errors(form)
    dates = {f"#{field.id}": f"#{field.name}-day" for field in form if isinstance(field.widget, GovDateInput)}
    for item in params["errorList"]:
        if item["href"] == "#csrf_token":
            item["href"] = "#main-content"
        item["href"] = dates.get(item["href"], item["href"])
    return params


def form_page(view):
    """Mark a view that shows a PortalForm on GET and validates it on POST.

    When such a page is sent with an expired or missing CSRF token, the app renders it
    again with the person's answers and an explanation, instead of an error page. It is
    safe because the form's own validation refuses the same token.
    """
    view.is_form_page = True
    return view
