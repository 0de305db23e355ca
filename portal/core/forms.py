"""Shared form helpers: the base form every page uses and the error summary it feeds."""

import re
import unicodedata
from datetime import date, timedelta

from flask import g
from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovDateInput, GovRadioInput, GovTextInput
from wtforms import DateField, StringField
from wtforms.validators import StopValidation

from portal.core import kept_forms
from portal.core.time import london_today

EXPIRED_MESSAGE = (
    "This page timed out before you sent it, so nothing was saved. "
    "Your answers are below: check them and send the form again."
)


# Characters nobody means to type (pasted from other programs): they break the Atom feed and
# PostgreSQL refuses NUL. Tabs and line breaks are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def canonical_text(value: str | None) -> str:
    """One form of what someone typed, for lookups and for keying limits on them: control
    characters dropped, Unicode lookalikes folded (NFKC: full-width letters and digits become
    plain ones), spaces trimmed. Callers fold case as their kind of value needs."""
    return unicodedata.normalize("NFKC", drop_control_characters(value or "")).strip()


def whole_number(text, *, largest: int = 2**31 - 1) -> int | None:
    """The number in ``text`` if it is a plain whole number small enough to be an id, else None
    (so "²", "-1" and twenty nines are all None rather than a server error)."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= largest else None


def strip_whitespace(value):
    """A field filter: what a person typed, without spaces at either end."""
    return value.strip() if isinstance(value, str) else value


def example_day(days_ahead: int) -> str:
    """A date a few weeks ahead as people type it in the three boxes, like "27 3 2027"."""
    day = london_today() + timedelta(days=days_ahead)
    return f"{day.day} {day.month} {day.year}"


# An HTML attribute the GOV.UK macros leave out altogether (a ``False`` would still print it).
LEFT_OUT = {"value": None, "optional": True}


def is_required(field) -> bool:
    """Whether the person must answer ``field``: it has a DataRequired or InputRequired validator
    (both set the "required" flag), it is a date that may not be left empty, or a whole number
    (which is never optional)."""
    if isinstance(field, DayField):
        return field.required
    return bool(field.flags.required) or isinstance(field, WholeNumberField)


def marked_required(field, render_kw: dict) -> dict:
    """What to render a required field with so that assistive technology announces it as
    required: ``aria-required="true"`` on each box a person answers in (every radio of a group;
    each of a date's three boxes).

    It replaces the HTML ``required`` attribute the GOV.UK widgets add. Forms here are sent with
    ``novalidate`` and checked by the server, so ``required`` only adds what gets in the way:
    screen readers announce an untouched empty box as "invalid", and browsers show their own
    "Please fill in this field" tip, which does not match the page's error messages. Optional
    fields say "(optional)" in their labels instead, the GOV.UK way. A group of checkboxes is
    left alone: no single box in it is required."""
    widget = field.widget
    if not isinstance(widget, GovFormBase) or "aria-required" in render_kw:
        return render_kw
    render_kw = dict(render_kw)
    if isinstance(widget, GovDateInput):
        # The widget would put ``required`` on the box around the three; DayInput marks the boxes.
        render_kw["required"] = LEFT_OUT
        return render_kw
    if isinstance(widget, GovRadioInput | GovCheckboxInput):
        params = dict(render_kw.get("params") or {})
        given = list(params.get("items") or [])
        boxes = max(len(given), 1 if isinstance(widget, GovCheckboxInput) else len(list(field)))
        given += [{} for _ in range(boxes - len(given))]
        params["items"] = [
            {**item, "attributes": {**(item.get("attributes") or {}), "aria-required": "true"}} for item in given
        ]
        render_kw["params"] = params
        return render_kw
    render_kw.setdefault("required", LEFT_OUT)
    render_kw["aria-required"] = "true"
    return render_kw


class DayInput(GovDateInput):
    """The GOV.UK date input, whose three boxes say they are required when the date is."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if is_required(field):
            for item in params["items"]:
                item["attributes"] = {**(item.get("attributes") or {}), "aria-required": "true"}
        return params


class DayField(DateField):
    """A date in three boxes (day, month, year) that says in plain words what is wrong, the
    GOV.UK way, and always keeps the three boxes to show again. With ``required=False`` it may
    be left empty (its data is then None), but not half filled in."""

    def __init__(self, label, *, noun: str, required: bool = True, **kwargs):
        kwargs.setdefault("widget", DayInput())
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.noun = noun
        self.required = required

    def process_formdata(self, valuelist):
        parts = [(value or "").strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            if self.required:
                raise ValueError(f"Enter the {self.noun}")
            return
        missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            raise ValueError(f"The {self.noun} must include a {' and a '.join(missing)}")
        real = f"The {self.noun} must be a real date, like {example_day(28)}"
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValueError(real)
        if len(parts[2]) != 4:
            raise ValueError(f"The year of the {self.noun} must have 4 numbers, like {london_today().year}")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(real) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class WholeNumberField(StringField):
    """A whole number in a text box, between ``least`` and ``most``, with the GOV.UK messages
    ("Enter the number of months", "The number of months must be between 1 and 12"). What was
    typed is kept to show again."""

    def __init__(self, label, *, noun: str, least: int, most: int, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, **kwargs)
        self.noun, self.least, self.most = noun, least, most

    def process_formdata(self, valuelist):
        typed = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [typed]
        self.data = None
        if not typed:
            raise ValueError(f"Enter the {self.noun}")
        number = whole_number(typed.replace(",", ""))
        if number is None:
            raise ValueError(f"The {self.noun} must be a whole number, like {self.least}")
        if not self.least <= number <= self.most:
            raise ValueError(f"The {self.noun} must be between {self.least} and {self.most}")
        self.data = number

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class PortalForm(FlaskForm):
    """A FlaskForm whose CSRF failure reads as a timed-out page, not a technical error, and
    whose text fields never keep control characters."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = (drop_control_characters, *unbound_field.kwargs.get("filters", ()))
            return super().bind_field(form, unbound_field, options)

        def render_field(self, field, render_kw):
            if is_required(field):
                render_kw = marked_required(field, {**(field.render_kw or {}), **render_kw})
            return super().render_field(field, render_kw)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A page opened again after a session ended shows what the person had sent.
        if not args and "formdata" not in kwargs and not self.is_submitted():
            kept_forms.restore(self)

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
    links to its day box rather than the wrapper around the three boxes, so focus moves there. A
    form may add, in ``error_links``, problems put right on other pages: (message, URL) pairs.
    """
    params = wtforms_errors(form)
    dates = {f"#{field.id}": f"#{field.name}-day" for field in form if isinstance(field.widget, GovDateInput)}
    for item in params["errorList"]:
        if item["href"] == "#csrf_token":
            item["href"] = "#main-content"
        item["href"] = dates.get(item["href"], item["href"])
    params["errorList"] += [{"text": text, "href": href} for text, href in getattr(form, "error_links", ())]
    return params


def form_page(view):
    """Mark a view that shows a PortalForm on GET and validates it on POST.

    When such a page is sent with an expired or missing CSRF token, the app renders it
    again with the person's answers and an explanation, instead of an error page. It is
    safe because the form's own validation refuses the same token.
    """
    view.is_form_page = True
    return view
