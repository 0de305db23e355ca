"""Forms for the managers' casework pages (manage_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.casework.management import MAX_CAPACITY, placeholder_problem
from portal.core import procedures
from portal.core.forms import PortalForm, strip_whitespace, whole_number


class WholeNumberField(IntegerField):
    """A required whole number that keeps what was typed (IntegerField shows the raw input
    again) and says in plain words what is wrong, one message at a time."""

    def __init__(self, *args, required: str, not_a_number: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            raise ValueError(self.required)
        if whole_number(text) is None:
            raise ValueError(self.not_a_number)
        self.data = whole_number(text)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class CategoryTeamForm(PortalForm):
    team = RadioField(
        "Which team handles this category?",
        description="New cases in this category go to this team's caseworkers. Cases already open stay where they are.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the team that handles this category")],
    )
    procedure = RadioField(
        "Which complaints procedure do its complaints follow?",
        description="Complaints about social care for disabled children follow the statutory children's procedure. "
        "New complaints follow the one chosen here; a manager can change a case's procedure, with a reason.",
        choices=[SelectChoice(key, label) for key, label in procedures.LABELS.items()],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class CaseworkerRoutingForm(PortalForm):
    team = RadioField(
        "Team",
        description="Cases in the team's categories are shared between its caseworkers. Cases they already have stay with them.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the caseworker's team")],
    )
    accepting = RadioField(
        "Are they taking new cases?",
        description="Say no while someone is on leave or winding down. They keep the cases they already have.",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether they are taking new cases")],
    )
    capacity = WholeNumberField(
        "Capacity",
        description=f"The most open cases routing gives them, from 0 to {MAX_CAPACITY}. "
        "Lowering it below what they hold now moves nothing: they just get no new cases.",
        widget=GovTextInput(),
        required="Enter the most open cases this caseworker can hold",
        not_a_number="Enter the capacity as a whole number, like 40",
        validators=[NumberRange(min=0, max=MAX_CAPACITY, message=f"Capacity must be between 0 and {MAX_CAPACITY}")],
    )
    stage_2 = RadioField(
        "Do they review complaints at stage 2?",
        description="A stage 2 review goes to a senior officer: a caseworker marked here, or a manager. "
        "Never to whoever handled the complaint at stage 1.",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether they review complaints at stage 2")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


MAX_TARGET_DAYS = 60


def _target_field(kind: str, example: int) -> WholeNumberField:
    return WholeNumberField(
        f"{kind.capitalize()}s",
        description=f"Working days to answer a {kind}, counted from the day it arrives.",
        widget=GovTextInput(),
        required=f"Enter the working days to answer a {kind}",
        not_a_number=f"Enter the working days as a whole number, like {example}",
        validators=[
            NumberRange(
                min=1, max=MAX_TARGET_DAYS, message=f"Enter a number of working days from 1 to {MAX_TARGET_DAYS}"
            )
        ],
    )


class ReplyTargetsForm(PortalForm):
    """The working days to answer feedback that is not a complaint (complaints follow their
    procedure's clocks). One field per kind, named as the kind."""

    question = _target_field("question", 10)
    suggestion = _target_field("suggestion", 20)
    compliment = _target_field("compliment", 10)
    submit = SubmitField("Save", widget=GovSubmitInput())


NO_LEAD = "none"


class TeamForm(PortalForm):
    lead = RadioField(
        "Who leads this team?",
        description="The team lead is emailed at once about the team's urgent cases and about overdue ones.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the team's lead, or no lead")],
    )
    mailbox = StringField(
        "The team's email address (optional)",
        description="Families' emails about the team's cases say they can reply to it, and replies go there. "
        "Leave it empty and the emails tell families to reply through their case page instead.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=254, message="The email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like senar.north@example.org",
                check_deliverability=False,
            ),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class TemplateForm(PortalForm):
    name = StringField(
        "Name",
        description="Caseworkers choose templates by name, so say what it is for, like \u201cHolding reply\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter a name for the template"),
            Length(max=100, message="Name must be 100 characters or fewer"),
        ],
    )
    body = TextAreaField(
        "Wording",
        description="Write to the family as you would in a reply. Placeholders in braces are filled in for each case.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the wording of the template"),
            Length(max=10000, message="Wording must be 10,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save template", widget=GovSubmitInput())

    def validate_body(self, field):
        problem = placeholder_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class DeleteForm(PortalForm):
    submit = SubmitField("Yes, delete it", widget=GovSubmitInput())


MAX_TICKED = 100


class ReassignForm(PortalForm):
    """Tick cases in the list, then choose who they go to. The ticked ids are checked against
    the database in the view, not against the page the manager loaded, which may be stale."""

    cases = SelectMultipleField("Cases to move", coerce=int, validate_choice=False)
    caseworker = SelectField(
        "Move the ticked cases to",
        description="Each caseworker's team, open cases and capacity are shown after their name.",
        widget=GovSelect(),
        validate_choice=False,  # checked in the view, which knows who is an active caseworker
        validators=[InputRequired(message="Select the caseworker to move the cases to")],
    )
    reason = StringField(
        "Why are they moving? (optional)",
        description="Kept in each case's history. Do not include the family's details.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=200, message="The reason must be 200 characters or fewer")],
    )
    submit = SubmitField("Move ticked cases", widget=GovSubmitInput())

    def validate_cases(self, field):
        if not field.data:
            raise ValidationError("Select at least one case to move")
        if len(field.data) > MAX_TICKED:
            raise ValidationError(f"Move at most {MAX_TICKED} cases at a time")
