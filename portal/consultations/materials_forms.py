"""Forms for what staff add to a consultation: a document to read, and answers given on paper,
by phone or in person."""

from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import FileField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.accounts import age_bands
from portal.consultations import models as m
from portal.consultations.forms import AnswerForm, _field_for, field_name
from portal.core.files import DOCUMENT_TYPES_DESCRIPTION, MAX_FILE_BYTES, describe_size
from portal.core.forms import PortalForm, strip_whitespace

YES, NO = "yes", "no"


class DocumentForm(PortalForm):
    title = StringField(
        "Title",
        description="What people will see as the link, for example \u201cDraft short breaks strategy\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the title of the document"),
            Length(max=150, message="The title must be 150 characters or fewer"),
        ],
    )
    easy_read = RadioField(
        "Is it an easy read version?",
        description="Easy read versions are listed first.",
        choices=[SelectChoice(YES, "Yes"), SelectChoice(NO, "No")],
        default=NO,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if it is an easy read version")],
    )
    file = FileField(
        "Upload a file",
        description=f"A {DOCUMENT_TYPES_DESCRIPTION}, smaller than {describe_size(MAX_FILE_BYTES)}.",
        widget=GovFileInput(),
    )
    submit = SubmitField("Add the document", widget=GovSubmitInput())


class RemoveForm(PortalForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class OfflineAnswersForm(AnswerForm):
    """How the answers came, who gave them, and a field per question. Made by offline_form()."""


def offline_form(questions: list[m.Question], **kwargs) -> OfflineAnswersForm:
    attributes = {
        "channel": RadioField(
            "How were the answers given?",
            description="Answers sent online are counted already: enter only those given another way.",
            choices=[SelectChoice(channel, m.CHANNEL_LABELS[channel]) for channel in m.OFFLINE_CHANNELS],
            widget=GovRadioInput(),
            validators=[InputRequired(message="Select how the answers were given")],
        ),
        "participant": RadioField(
            "Who gave them?",
            description="Do not write their name: the answers are counted without it.",
            choices=[SelectChoice(value, label) for value, label in m.PARTICIPANT_LABELS.items()],
            widget=GovRadioInput(),
            validators=[InputRequired(message="Select who gave the answers")],
        ),
        "age_band": RadioField(
            "If a young person, how old are they? (optional)",
            description="Only if they said.",
            choices=[SelectChoice(value, label) for value, label in age_bands.LABELS.items()],
            widget=GovRadioInput(),
            validators=[Optional()],
        ),
    }
    attributes |= {field_name(question): _field_for(question) for question in questions}
    attributes["submit"] = SubmitField("Save these answers", widget=GovSubmitInput())
    form_class = type("OfflineConsultationAnswersForm", (OfflineAnswersForm,), attributes)
    form_class.questions = list(questions)
    return form_class(**kwargs)
