"""The forms managers prepare a year's governance pack with (complaints_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import DayField, PortalForm, WholeNumberField, strip_whitespace
from portal.reports.models import COMPLIANCE_LABELS

TEXT_MAX = 10000
NAME_MAX = 120
LARGEST_COUNT = 100000


def _text(label: str, description: str, noun: str, *, required: bool):
    validators = [InputRequired(message=f"Enter {noun}")] if required else [Optional()]
    return TextAreaField(
        label if required else f"{label} (optional)",
        description=description,
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            *validators,
            Length(max=TEXT_MAX, message=f"{noun.capitalize()} must be {TEXT_MAX:,} characters or fewer"),
        ],
    )


class AssessmentForm(PortalForm):
    compliance = RadioField(
        "Does the council meet this section of the Code?",
        description="Judge against every requirement in the section.",
        choices=[SelectChoice(value, label) for value, label in COMPLIANCE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the council meets this section")],
    )
    evidence = _text(
        "Evidence",
        "How the council meets the section, or where it does not: policies, figures, training, examples. "
        "Never name or describe a family, a child or a member of staff.",
        "the evidence",
        required=True,
    )
    actions = _text(
        "Actions",
        "What the council will do to meet the section fully, by when and who leads it.",
        "the actions",
        required=False,
    )
    save = SubmitField("Save and continue", widget=GovSubmitInput())


class OmbudsmanLetterForm(PortalForm):
    received = WholeNumberField(
        "Complaints and enquiries received by the Ombudsman",
        noun="number received",
        least=0,
        most=LARGEST_COUNT,
        description="As the Ombudsman's annual letter gives it.",
    )
    decided = WholeNumberField("Complaints and enquiries decided", noun="number decided", least=0, most=LARGEST_COUNT)
    upheld = WholeNumberField("Complaints upheld", noun="number upheld", least=0, most=LARGEST_COUNT)
    uphold_rate = WholeNumberField(
        "Uphold rate, as a percentage", noun="uphold rate", least=0, most=100, description="For example, 60."
    )
    compliance_rate = WholeNumberField(
        "Recommendations complied with, as a percentage", noun="share of recommendations", least=0, most=100
    )
    note = _text(
        "Note",
        "Anything the letter says that readers need, such as how the council compares with similar councils.",
        "the note",
        required=False,
    )
    save = SubmitField("Save", widget=GovSubmitInput())


class FindingForm(PortalForm):
    found = _text(
        "What the Ombudsman found",
        "The finding of non-compliance with the Code.",
        "what the Ombudsman found",
        required=True,
    )
    council_action = _text("What the council did", "What changed because of it.", "what the council did", required=True)
    add = SubmitField("Add this finding", widget=GovSubmitInput())


class AnalysisForm(PortalForm):
    analysis = _text(
        "Analysis",
        "What the year's figures and complaints show: trends, causes and what the council learned. "
        "Leave a blank line between paragraphs.",
        "the analysis",
        required=False,
    )
    save = SubmitField("Save", widget=GovSubmitInput())


class GovernanceForm(PortalForm):
    member_responsible = StringField(
        "Member Responsible for Complaints",
        description="The councillor with lead responsibility for complaints (Code 9.5 to 9.7).",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter the name of the Member Responsible for Complaints"),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer"),
        ],
    )
    meeting = StringField(
        "Meeting that considered the report",
        description="For example, Cabinet, or the Children and Young People Scrutiny Committee.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter the meeting that considered the report"),
            Length(max=NAME_MAX, message=f"The meeting must be {NAME_MAX} characters or fewer"),
        ],
    )
    meeting_on = DayField("Date of the meeting", noun="date of the meeting", description="For example, 15 5 2026")
    governance_response = _text(
        "The response",
        "What the governing body said about the report and the self-assessment, and what it asked for.",
        "the response",
        required=True,
    )
    save = SubmitField("Save", widget=GovSubmitInput())
