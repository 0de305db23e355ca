"""The forms of requests about personal data: a family asking for a correction or a deletion,
a manager recording a request made another way, and the decision on one."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portal.core.forms import DayField, PortalForm, strip_whitespace
from portal.rights.models import KIND_LABELS, STAFF_CHANNELS

LONGEST = 5000


def _text(label: str, description: str, required: str) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=required),
            Length(max=LONGEST, message=f"{label} must be {LONGEST} characters or fewer"),
        ],
    )


class CorrectionForm(PortalForm):
    what = _text(
        "What is wrong?",
        "For example, your name, your child's school, or something written on one of your cases. "
        "Give the case reference if you know it.",
        "Enter what is wrong",
    )
    why = _text(
        "What should it say instead?",
        "And why, if it helps us to find or check it.",
        "Enter what it should say instead",
    )
    submit = SubmitField("Send your request", widget=GovSubmitInput())


class DeletionForm(PortalForm):
    what = _text(
        "What do you want us to delete?",
        "For example, a file you sent, a message, or all of your feedback. Give the case reference if you know it.",
        "Enter what you want us to delete",
    )
    why = _text(
        "Why do you want it deleted?",
        "For example, it is no longer needed, or you sent it by mistake.",
        "Enter why you want it deleted",
    )
    submit = SubmitField("Send your request", widget=GovSubmitInput())


class RecordForm(PortalForm):
    kind = RadioField(
        "What did they ask for?",
        description="A copy of their data, a correction, or a deletion.",
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what they asked for")],
    )
    who = StringField(
        "Whose data is it?",
        description="The email address of their account, or the reference of one of their cases, like CAN-2026-00042.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the email address of their account or a case reference"),
            Length(max=254, message="The email address or case reference must be 254 characters or fewer"),
        ],
    )
    received_on = DayField(
        "When did it arrive?",
        description="The month to answer in runs from this day. For example, the date of the call or the letter.",
        noun="date it arrived",
    )
    channel = RadioField(
        "How did it arrive?",
        description="Select one.",
        choices=[SelectChoice(value, label) for value, label in STAFF_CHANNELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how it arrived")],
    )
    what = _text(
        "What did they ask?",
        "In their words, as far as you can.",
        "Enter what they asked",
    )
    submit = SubmitField("Record the request", widget=GovSubmitInput())


class DecisionForm(PortalForm):
    outcome = RadioField(
        "What have you decided?",
        description="The family is told by email, with your reason.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what you decided")],
    )
    reason = _text(
        "The reason for the decision",
        "In plain words: the family reads this. If something is kept, say what and why, for example "
        "that complaint records are kept for the complaints procedure and the Ombudsman.",
        "Enter the reason for the decision",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())
