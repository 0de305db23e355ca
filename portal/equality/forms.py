"""The equality monitoring questions as one form: every question optional, and a way to skip."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.core.forms import PortalForm
from portal.equality.questions import QUESTIONS


class EqualityForm(PortalForm):
    send = SubmitField("Send these answers", widget=GovSubmitInput())
    skip = SubmitField("Skip these questions", widget=GovSubmitInput())

    def answers(self) -> dict[str, str | None]:
        return {question.key: getattr(self, question.key).data or None for question in QUESTIONS}


for _question in QUESTIONS:
    setattr(
        EqualityForm,
        _question.key,
        RadioField(
            f"{_question.text} (optional)",
            description=_question.hint,
            choices=[SelectChoice(value, label) for value, label in _question.choices],
            widget=GovRadioInput(),
            validators=[Optional()],
            # A value not offered is ignored rather than refused: every question is optional.
            validate_choice=False,
        ),
    )
