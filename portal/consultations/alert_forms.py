"""The form where a parent or youth forum member chooses their consultation alerts."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.consultations import models as m
from portal.consultations.alerts import FREQUENCY_LABELS, KIND_LABELS
from portal.core.forms import PortalForm


class AlertsForm(PortalForm):
    kinds = SelectMultipleField(
        "Which consultation alerts do you want?",
        description="Select all that apply. Select none to stop all consultation alerts.",
        choices=[SelectChoice(kind, label) for kind, label in KIND_LABELS.items()],
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    frequency = RadioField(
        "How often should we email you?",
        choices=[SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Save your alerts", widget=GovSubmitInput())

    def validate_kinds(self, field):
        if any(kind not in KIND_LABELS for kind in field.data or []):
            raise ValidationError("Select alerts from the list")

    def validate_frequency(self, field):
        # How often matters only when there is something to send.
        if field.data in FREQUENCY_LABELS:
            return
        if field.data or self.kinds.data:
            raise ValidationError("Select how often we should email you: at once or in a weekly digest")
        field.data = m.AT_ONCE
