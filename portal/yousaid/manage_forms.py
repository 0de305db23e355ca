"""Forms for writing You Said, We Did entries (manage_views.py)."""

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
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import DayField, PortalForm, strip_whitespace
from portal.yousaid.models import DONE, IN_PROGRESS, PLANNED

STATUS_CHOICES = [
    SelectChoice(PLANNED, "Planned"),
    SelectChoice(IN_PROGRESS, "In progress"),
    SelectChoice(DONE, "Done"),
]
TEXT_MAX = 5000


class EntryForm(PortalForm):
    term = SelectField(
        "Term",
        description="The term in which families said this. The evidence counted is from this term.",
        widget=GovSelect(),
        validate_choice=False,  # checked in the view, with words a manager understands
        validators=[InputRequired(message="Select the term")],
    )
    theme = SelectField(
        "Learning theme",
        description="What it is about. Feedback and consultation answers tagged with this theme are counted as evidence.",
        widget=GovSelect(),
        validate_choice=False,
        validators=[InputRequired(message="Select the learning theme")],
    )
    title = StringField(
        "Title",
        description="A few words the public will recognise, like \u201cA named contact for every family\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=150, message="The title must be 150 characters or fewer"),
        ],
    )
    you_said = TextAreaField(
        "You said",
        description="A summary of what families told us. Never name or describe a family, a child or a school.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter what families said"),
            Length(max=TEXT_MAX, message=f"What families said must be {TEXT_MAX:,} characters or fewer"),
        ],
    )
    we_did = TextAreaField(
        "We did",
        description="What the council is doing about it, in plain words.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter what the council is doing"),
            Length(max=TEXT_MAX, message=f"What the council is doing must be {TEXT_MAX:,} characters or fewer"),
        ],
    )
    action_owner = StringField(
        "Who owns the action?",
        description="A team or a role, like \u201cHead of SENAR\u201d, rather than a person\u2019s name.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter who owns the action"),
            Length(max=120, message="Who owns the action must be 120 characters or fewer"),
        ],
    )
    action_status = RadioField(
        "Status of the action",
        description="Once the entry is published, change the status from its status page so that the change is dated.",
        choices=STATUS_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the status of the action")],
    )
    action_starts_on = DayField(
        "When does it start? (optional)", description="For example, 1 9 2026.", noun="start date", required=False
    )
    action_due_on = DayField(
        "When is it due? (optional)", description="For example, 31 12 2026.", noun="due date", required=False
    )
    action_done_on = DayField(
        "When was it done? (optional)",
        description="Filled in with today\u2019s date when the status becomes done, if you leave it empty.",
        noun="date it was done",
        required=False,
    )
    submit = SubmitField("Save draft", widget=GovSubmitInput())


class StatusForm(PortalForm):
    status = RadioField(
        "What is the status of the action now?",
        description="The change is added to the entry\u2019s public history with today\u2019s date.",
        choices=STATUS_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the status of the action")],
    )
    note = TextAreaField(
        "What changed? (optional)",
        description="Shown to the public beside the change. Never name or describe a family, a child or a school.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=1000, message="What changed must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Save status", widget=GovSubmitInput())


class EvidenceForm(PortalForm):
    consultations = SelectMultipleField(
        "Consultations",
        description="Select all that apply. The public sees their titles, with links to them.",
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=False,  # checked against the database by the service
        validators=[Optional()],
    )
    cases = TextAreaField(
        "Case references (optional)",
        description="One on each line, like CAN-2026-00042. The public only ever sees how many cases are linked, "
        "never what they say. Families who asked to hear about changes are emailed when the entry is published "
        "or its status changes.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=10000, message="The list of references is too long")],
    )
    submit = SubmitField("Save evidence", widget=GovSubmitInput())
