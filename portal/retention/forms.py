from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from portal.core.forms import PortalForm, WholeNumberField
from portal.core.retention import UNITS


class PeriodForm(PortalForm):
    """How long to keep one kind of record: a whole number and a unit. The schedule's own
    limits for the kind are checked by the view (portal.core.retention.out_of_limits)."""

    amount = WholeNumberField(
        "How long",
        description="A whole number, like 6.",
        noun="period",
        least=1,
        most=999,
    )
    unit = RadioField(
        "In",
        description="Months and years are counted in calendar months and years.",
        choices=[SelectChoice(unit, unit.capitalize()) for unit in UNITS],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select hours, days, months or years")],
    )
    submit = SubmitField("Save the period", widget=GovSubmitInput())
