"""The form managers publish a year's complaints report with (complaints_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import PortalForm, strip_whitespace

NOTE_MAX = 500


class PublishReportForm(PortalForm):
    year = RadioField(
        "Which year's report do you want to publish?",
        description="Only years that have ended can be published. The figures are counted as they stand now "
        "and fixed: the public page and its PDF show them until a correction is published.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the year to publish")],
    )
    note = TextAreaField(
        "If this year was published before: what this correction changes",
        description="Shown in the report's history beside the new version's date. Not needed the first time.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"What this correction changes must be {NOTE_MAX:,} characters or fewer"),
        ],
    )
    publish = SubmitField("Publish", widget=GovSubmitInput())
