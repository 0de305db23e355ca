"""Forms for ways to take part: writing an opportunity (managers), taking a place and giving
it back (parents and youth forum members)."""

import re
from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from portal.consultations import take_part
from portal.consultations import take_part_models as t
from portal.core.forms import DayField, PortalForm, WholeNumberField, example_day, strip_whitespace
from portal.core.time import LONDON

DESCRIPTION_MAX = 5000
PLACE_MAX = 1000
ACCESSIBILITY_MAX = 2000
ACCESS_NEEDS_MAX = 2000
MOST_PLACES = 500

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def parse_time(typed: str) -> time | None:
    """6pm, 6:30pm, 18:30 or 9.15am as a time of day; None if it is not one."""
    match = _TIME.match(typed.strip().lower().replace(" ", ""))
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # "6" alone could be morning or evening
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    """A time of day typed in a box, kept as typed to show again."""

    def __init__(self, label, *, noun: str, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, **kwargs)
        self.noun = noun

    def process_formdata(self, valuelist):
        typed = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [typed]
        self.data = None
        if not typed:
            raise ValueError(f"Enter the {self.noun}")
        self.data = parse_time(typed)
        if self.data is None:
            raise ValueError(f"The {self.noun} must be a time, like 6:30pm or 18:30")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:%H:%M}"

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def _text(label, description, *, required, max_length, noun, widget=None):
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"{noun} must be {max_length:,} characters or fewer"))
    return TextAreaField(
        label,
        description=description,
        widget=widget or GovTextArea(),
        filters=[strip_whitespace],
        validators=validators,
    )


class OpportunityForm(PortalForm):
    kind = RadioField(
        "What kind of opportunity is it?",
        description="People see this first in the list of ways to take part.",
        choices=[SelectChoice(value, label) for value, label in t.KIND_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what kind of opportunity it is")],
    )
    title = StringField(
        "Title",
        description="For example, \u201cShort breaks working group: first meeting\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the title"),
            Length(max=150, message="The title must be 150 characters or fewer"),
        ],
    )
    description = _text(
        "What will happen",
        "What people will do, what it is for, and anything to bring.",
        required="Enter what will happen",
        max_length=DESCRIPTION_MAX,
        noun="What will happen",
        widget=GovCharacterCount(),
    )
    format = RadioField(
        "Is it online or in person?",
        description="People with a place are sent how to join.",
        choices=[SelectChoice(value, label) for value, label in t.FORMAT_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether it is online or in person")],
    )
    day = DayField("Date", noun="date")
    starts = TimeField("Start time", noun="start time", description="UK time, for example 6:30pm or 18:30")
    ends = TimeField("End time", noun="end time", description="UK time, for example 8pm or 20:00")
    place = _text(
        "Where",
        "The full address, or for an online meeting the service used (for example, Microsoft Teams).",
        required="Enter where it is",
        max_length=PLACE_MAX,
        noun="Where",
    )
    accessibility = _text(
        "Accessibility (optional)",
        "For example: step-free access from the car park, a hearing loop, a quiet room, captions online.",
        required=None,
        max_length=ACCESSIBILITY_MAX,
        noun="The accessibility details",
    )
    audience = RadioField(
        "Who is it for?",
        description="Only these people can take a place. Anyone can read about it.",
        choices=[SelectChoice(value, label) for value, label in t.AUDIENCE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who it is for")],
    )
    capacity = WholeNumberField(
        "Number of places", noun="number of places", least=1, most=MOST_PLACES, description="For example, 12"
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.day.description = f"For example, {example_day(14)}"

    @classmethod
    def of(cls, opportunity: t.Opportunity) -> "OpportunityForm":
        starts, ends = opportunity.starts_in_london, opportunity.ends_in_london
        form = cls(
            data={
                "kind": opportunity.kind,
                "title": opportunity.title,
                "description": opportunity.description,
                "format": opportunity.format,
                "day": starts.date(),
                "starts": starts.time(),
                "ends": ends.time(),
                "place": opportunity.place,
                "accessibility": opportunity.accessibility,
                "audience": opportunity.audience,
                "capacity": opportunity.capacity,
            }
        )
        return form

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.starts.data and self.ends.data and self.ends.data <= self.starts.data:
            self.ends.errors.append("The end time must be after the start time")
            valid = False
        return valid

    def details(self) -> take_part.Details:
        return take_part.Details(
            kind=self.kind.data,
            title=self.title.data,
            description=self.description.data,
            format=self.format.data,
            starts_at=datetime.combine(self.day.data, self.starts.data, tzinfo=LONDON),
            ends_at=datetime.combine(self.day.data, self.ends.data, tzinfo=LONDON),
            place=self.place.data,
            accessibility=self.accessibility.data or None,
            audience=self.audience.data,
            capacity=self.capacity.data,
        )


class ConfirmForm(PortalForm):
    """One button: publish, or cancel."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class TakePlaceForm(PortalForm):
    needs = SelectMultipleField(
        "Do you need any of these to take part? (optional)",
        description="Select all that apply. Only the council staff running it see what you need.",
        choices=[SelectChoice(value, label) for value, label in t.NEED_LABELS.items()],
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    access_needs = _text(
        "Anything else we should know or arrange for you? (optional)",
        "For example, large print, a carer coming with you, or breaks.",
        required=None,
        max_length=ACCESS_NEEDS_MAX,
        noun="What you need",
    )
    submit = SubmitField("Take a place", widget=GovSubmitInput())


class GiveBackForm(PortalForm):
    submit = SubmitField("Give up my place", widget=GovSubmitInput())
