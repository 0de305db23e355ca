"""Forms for keeping the improvement plan (manage_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from portal.core.forms import DayField, PortalForm, strip_whitespace
from portal.improvement.models import HORIZON_LABELS, OWNER_LABELS, STATUS_LABELS

TEXT_MAX = 5000


def _text(label, description, noun, most, *, area=False):
    field = TextAreaField if area else StringField
    return field(
        label,
        description=description,
        widget=GovTextArea() if area else GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=f"Enter {noun}"),
            Length(max=most, message=f"{noun[0].upper()}{noun[1:]} must be {most:,} characters or fewer"),
        ],
    )


class NumberField(StringField):
    """A number in a text box (decimals allowed), kept as typed to show again when wrong."""

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
        cleaned = typed.replace(",", "").removesuffix("%").strip()
        try:
            number = float(cleaned)
        except ValueError:
            raise ValueError(f"The {self.noun} must be a number, like 42 or 12.5") from None
        if number != number or abs(number) > 1e9:  # not a number, or absurdly large
            raise ValueError(f"The {self.noun} must be a number, like 42 or 12.5")
        self.data = number

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else f"{self.data:g}")

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class AreaForm(PortalForm):
    title = _text(
        "Area of weakness",
        "A few plain words the public will recognise, like \u201cLong waits for therapies\u201d.",
        "the area of weakness",
        150,
    )
    finding = _text(
        "What the inspectors found",
        "In plain words, as a family would say it.",
        "what the inspectors found",
        TEXT_MAX,
        area=True,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class EvidenceForm(PortalForm):
    you_said = SelectMultipleField(
        "You Said, We Did entries",
        description="Select all that apply. Only published entries can be linked.",
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=False,  # checked against the database by the service
        validators=[Optional()],
    )
    consultations = SelectMultipleField(
        "Consultations",
        description="Select all that apply. The public sees their titles and outcomes, with links to them.",
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=False,
        validators=[Optional()],
    )
    themes = SelectMultipleField(
        "What complaints taught us",
        description="Select all the learning themes from complaints that show this weakness.",
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=False,
        validators=[Optional()],
    )
    submit = SubmitField("Save evidence", widget=GovSubmitInput())


class ActionForm(PortalForm):
    title = _text("Action", "What will be done, in plain words.", "the action", 200)
    owner = RadioField(
        "Who owns the action?",
        description="The organisation answerable for it.",
        choices=[SelectChoice(key, label) for key, label in OWNER_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who owns the action")],
    )
    lead_name = _text(
        "Name of the lead",
        "The named person who leads it. Their name is published with the plan.",
        "the name of the lead",
        120,
    )
    lead_role = _text(
        "Role of the lead", "Like \u201cHead of SEND assessment and review\u201d.", "the role of the lead", 150
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class MilestoneForm(PortalForm):
    title = _text("Milestone", "What will have happened by the target date.", "the milestone", 200)
    horizon_months = RadioField(
        "When in the plan is it due?",
        description="The plan sets milestones at 3, 6 and 12 months.",
        choices=[SelectChoice(str(months), label) for months, label in HORIZON_LABELS.items()],
        coerce=int,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select when in the plan it is due")],
    )
    target_on = DayField("Target date", description="For example, 31 3 2027.", noun="target date")
    submit = SubmitField("Save", widget=GovSubmitInput())


class StatusForm(PortalForm):
    status = RadioField(
        "What is the status of the milestone now?",
        description="The change is dated today and kept in the milestone\u2019s history.",
        choices=[SelectChoice(key, label) for key, label in STATUS_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the status of the milestone")],
    )
    reason = TextAreaField(
        "Why is it changing?",
        description="Published with the change when the plan is next published.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter why the status is changing"),
            Length(max=1000, message="Why the status is changing must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save status", widget=GovSubmitInput())


class MeasureForm(PortalForm):
    title = _text("Measure", "Like \u201cEHC plans issued within 20 weeks\u201d.", "the measure", 200)
    unit = _text("Unit", "Like \u201c%\u201d, \u201cweeks\u201d or \u201cchildren\u201d.", "the unit", 40)
    baseline = NumberField("Baseline", description="Where it stood when the plan began.", noun="baseline")
    target = NumberField("Target", description="Where the plan aims to be in 12 months.", noun="target")
    higher_is_better = RadioField(
        "Is a higher number better?",
        description="So that the public can tell which way is progress.",
        choices=[SelectChoice("yes", "Yes, higher is better"), SelectChoice("no", "No, lower is better")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether a higher number is better")],
    )
    source_key = SelectField(
        "Where do its values come from?",
        description="The portal can work out some figures itself each term; others are typed in.",
        widget=GovSelect(),
        validate_choice=False,  # checked by the service
        validators=[Optional()],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ValueForm(PortalForm):
    period = _text("Period", "Like \u201cAutumn term 2026\u201d or \u201cQuarter to June 2026\u201d.", "the period", 60)
    measured_on = DayField("Date of the value", description="The last day of the period it counts.", noun="date")
    value = NumberField("Value", description="A number, like 42 or 12.5.", noun="value")
    source = _text(
        "Source", "Where the figure comes from, like \u201cNHS therapy waiting list\u201d.", "the source", 200
    )
    submit = SubmitField("Save value", widget=GovSubmitInput())


class PublishForm(PortalForm):
    summary = _text(
        "What changed?",
        "A sentence or two for the public, listed with the version, like \u201cTherapy waits milestone now off "
        "track; autumn figures added\u201d.",
        "a short summary of what changed",
        1000,
        area=True,
    )
    submit = SubmitField("Publish changes", widget=GovSubmitInput())
