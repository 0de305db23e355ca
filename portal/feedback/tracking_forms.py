from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import FileField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.core.forms import PortalForm, strip_whitespace


class TrackForm(PortalForm):
    reference = StringField(
        "Reference number",
        description="It is in the email we sent you and starts with CAN, for example CAN-2026-00042.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter your reference number"),
            Length(max=20, message="Enter a reference number like CAN-2026-00042"),
        ],
    )
    contact = StringField(
        "Email address or phone number",
        description="The one you gave when you sent your feedback.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter the email address or phone number you gave"),
            Length(max=254, message="Email address or phone number must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Send me a link or code", widget=GovSubmitInput())


def six_digits(form, field):
    given = "".join(ch for ch in field.data or "" if not ch.isspace() and ch != "-")
    if not (given.isascii() and given.isdigit() and len(given) == 6):
        raise ValidationError("The code is 6 numbers: enter the code we sent you")


class CodeForm(PortalForm):
    code = StringField(
        "Code",
        description="It is in the text message we sent you, for example 123456.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[InputRequired(message="Enter the code we sent you"), Length(max=20), six_digits],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ReplyForm(PortalForm):
    body = TextAreaField(
        "Your message",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=5000, message="Your message must be 5000 characters or fewer")],
    )
    evidence = FileField(
        "Add a file (optional)",
        description="PDF, JPEG, PNG or Word (DOCX), up to 10MB.",
        widget=GovFileInput(),
    )
    submit = SubmitField("Send", widget=GovSubmitInput())


class EscalateForm(PortalForm):
    reason = TextAreaField(
        "Anything you want to tell us (optional)",
        description="You do not need to give a reason.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=5000, message="What you tell us must be 5000 characters or fewer")],
    )
    submit = SubmitField("Ask for a stage 2 review", widget=GovSubmitInput())


class LearningUpdatesForm(PortalForm):
    """A single button that turns the family's wish to hear about changes on or off."""

    wanted = HiddenField(validators=[InputRequired()])


class WithdrawRepresentativeForm(PortalForm):
    submit = SubmitField("Withdraw their authority", widget=GovSubmitInput())
