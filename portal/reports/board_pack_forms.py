"""Forms for the SEND Improvement Board's packs (board_pack_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import DayField, PortalForm, strip_whitespace


class ProduceForm(PortalForm):
    submit = SubmitField("Produce a board pack", widget=GovSubmitInput())


class DecisionForm(PortalForm):
    decision = TextAreaField(
        "What the board decided",
        description="In plain words, as the minutes will record it.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter what the board decided"),
            Length(max=5000, message="What the board decided must be 5,000 characters or fewer"),
        ],
    )
    owner = StringField(
        "Who will act on it (optional)",
        description="A person, a team or an organisation.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=200, message="Who will act on it must be 200 characters or fewer")],
    )
    due_on = DayField(
        "By when (optional)",
        noun="date it is due",
        required=False,
        description="For example, 27 3 2027",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())
