"""The three questions a family is asked once a stage of their complaint has closed."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import PortalForm, strip_whitespace
from portal.feedback.survey_models import LISTENED_LABELS, SATISFACTION_LABELS

COMMENTS_MAX = 2000


class SurveyForm(PortalForm):
    satisfaction = RadioField(
        "How satisfied are you with how we handled your complaint?",
        description="Think about how we dealt with you, not only about our decision.",
        choices=[SelectChoice(str(number), label) for number, label in SATISFACTION_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how satisfied you are with how we handled your complaint")],
    )
    listened = RadioField(
        "Did you feel listened to?",
        description="By the people who looked into your complaint.",
        choices=[SelectChoice(value, label) for value, label in LISTENED_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether you felt listened to")],
    )
    comments = TextAreaField(
        "Is there anything else you want to tell us? (optional)",
        description="What went well, or what we could do better. Do not include names or other personal details.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=COMMENTS_MAX, message=f"What you tell us must be {COMMENTS_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Send your answers", widget=GovSubmitInput())
